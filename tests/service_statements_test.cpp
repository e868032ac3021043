// GET /v1/decisions/{id}/statement-of-reasons through the router: a flagged decision's statement
// checked against the DSA Transparency Database's rules (support/statement_schema.h), a reviewed one
// partly automated, a mapping added in a later version serving earlier decisions, and the refusals.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/decision_rows.h"
#include "support/in_process_server.h"
#include "support/service_client.h"
#include "support/statement_schema.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::Reply;
using test::send;

const std::string kScams =
    "---\n"
    "title: Scams\n"
    "dsa:\n"
    "  decision_ground: DECISION_GROUND_INCOMPATIBLE_CONTENT\n"
    "  ground: Terms of service, section 4\n"
    "  explanation: Content that tricks people out of money is not allowed.\n"
    "  category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\n"
    "  decision_visibility: [DECISION_VISIBILITY_CONTENT_REMOVED]\n"
    "---\n"
    "Flag scams.\n";

class StatementsTest : public ::testing::Test {
protected:
    // Decisions 1-6: scams flagged, scams safe, scams flagged twice more, an inline policy's flag,
    // and a flag of `plain`, a policy stored without a mapping.
    static void SetUpTestSuite() {
        const auto db = test::fresh_db("statements");
        test::write_decisions(db.string(), {{"scams", R"({"text":"Send your card number to win"})", 1},
                                            {"scams", R"({"text":"Lunch at noon?"})", 0},
                                            {"scams", R"({"text":"Claim your prize"})", 1},
                                            {"scams", R"({"text":"Wire the fee today"})", 1},
                                            {.policy = "scams",
                                             .content_json = R"({"text":"Pay to unlock"})",
                                             .violation = 1,
                                             .inline_policy = true},
                                            {"plain", R"({"text":"Buy followers"})", 1}});
        keys_ = (test::scratch_dir() / "statements-keys.txt").string();
        std::filesystem::remove(keys_);
        rita_ = test::new_api_key(keys_, "rita", "review");
        sam_ = test::new_api_key(keys_, "sam", "review");
        app_ = test::new_api_key(keys_, "app", "classify");
        ops_ = test::new_api_key(keys_, "ops", "admin");
        server_ = new test::InProcessServer(
            db, {.config = {}, .keys_file = keys_, .engine = false, .streams = 0, .max_reasoning_tokens = 0});
        const Reply scams = send(*server_, "PUT", "/v1/policies/scams", kScams, ops_, "text/markdown");
        ASSERT_EQ(scams.status, 201) << scams.text;
        ASSERT_EQ(scams.body["version"], 1);
        ASSERT_EQ(scams.body["dsa"]["category"], "STATEMENT_CATEGORY_SCAMS_AND_FRAUD");
        const Reply plain =
            send(*server_, "PUT", "/v1/policies/plain", "Flag spam.\n", ops_, "text/markdown");
        ASSERT_EQ(plain.status, 201) << plain.text;
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static Reply statement(int id, const std::string& key = rita_) {
        return send(*server_, "GET", "/v1/decisions/" + std::to_string(id) + "/statement-of-reasons", "",
                    key);
    }
    static Reply review(int id, bool violation, const std::string& key) {
        return send(*server_, "POST", "/v1/reviews",
                    json{{"decision_id", id}, {"violation", violation}}.dump(), key);
    }
    static test::InProcessServer* server_;
    static std::string keys_, rita_, sam_, app_, ops_;
};
test::InProcessServer* StatementsTest::server_ = nullptr;
std::string StatementsTest::keys_, StatementsTest::rita_, StatementsTest::sam_, StatementsTest::app_,
    StatementsTest::ops_;

TEST_F(StatementsTest, AFlaggedDecisionsStatementMeetsTheDatabasesRules) {
    const Reply r = statement(1);
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(test::completed_statement_errors(r.body), std::vector<std::string>()) << r.body.dump(2);
    EXPECT_EQ(r.body["automated_detection"], "Yes");
    EXPECT_EQ(r.body["automated_decision"], "AUTOMATED_DECISION_FULLY");
    EXPECT_EQ(r.body["category"], "STATEMENT_CATEGORY_SCAMS_AND_FRAUD");
    EXPECT_EQ(r.body["incompatible_content_ground"], "Terms of service, section 4");
    const Reply row = send(*server_, "GET", "/v1/decisions/1", "", rita_);
    EXPECT_EQ(r.body["application_date"], row.body["created_at"].get<std::string>().substr(0, 10));
    EXPECT_NE(r.body["decision_facts"].get<std::string>().find("'scams' version 1 (Scams)"),
              std::string::npos);
    EXPECT_EQ(r.body["puid"].get<std::string>().rfind("arbiter-1", 0), 0u) << r.body["puid"];
    EXPECT_NE(statement(3).body["puid"], r.body["puid"]);  // one per decision
    EXPECT_EQ(statement(1, ops_).status, 200);
}

TEST_F(StatementsTest, AReviewedDecisionIsPartlyAutomatedAndAReviewerDecidesWhetherThereIsOne) {
    ASSERT_EQ(review(3, true, rita_).status, 201);
    const Reply confirmed = statement(3);
    ASSERT_EQ(confirmed.status, 200) << confirmed.text;
    EXPECT_EQ(confirmed.body["automated_decision"], "AUTOMATED_DECISION_PARTIALLY");
    EXPECT_EQ(test::completed_statement_errors(confirmed.body), std::vector<std::string>());

    // A reviewer who overturns the model's flag leaves nothing to state; one who flags what the model
    // let through makes a statement.
    ASSERT_EQ(review(4, false, rita_).status, 201);
    EXPECT_EQ(statement(4).status, 409);
    EXPECT_EQ(statement(2).status, 409);
    EXPECT_NE(test::error_message(statement(2)).find("found no violation"), std::string::npos);
    ASSERT_EQ(review(2, true, sam_).status, 201);
    const Reply flagged_by_a_person = statement(2);
    ASSERT_EQ(flagged_by_a_person.status, 200) << flagged_by_a_person.text;
    EXPECT_EQ(flagged_by_a_person.body["automated_decision"], "AUTOMATED_DECISION_PARTIALLY");
}

TEST_F(StatementsTest, RefusalsSayWhatIsMissing) {
    const Reply unmapped = statement(6);
    EXPECT_EQ(unmapped.status, 409);
    EXPECT_NE(test::error_message(unmapped).find("policy 'plain' has no dsa: mapping"), std::string::npos)
        << unmapped.text;
    EXPECT_EQ(statement(5).status, 404);  // judged by an inline policy, whose mapping nobody stored
    EXPECT_EQ(statement(999).status, 404);
    EXPECT_EQ(send(*server_, "GET", "/v1/decisions/abc/statement-of-reasons", "", rita_).status, 400);
    EXPECT_EQ(statement(1, app_).status, 403);
    EXPECT_EQ(statement(1, "").status, 401);
}

TEST_F(StatementsTest, AMappingAddedLaterServesEarlierDecisions) {
    const std::string mapped =
        "---\ndsa:\n  decision_ground: DECISION_GROUND_ILLEGAL_CONTENT\n"
        "  ground: Unfair Commercial Practices Directive, Article 6\n"
        "  explanation: Misleading offers.\n"
        "  category: STATEMENT_CATEGORY_CONSUMER_INFORMATION\n"
        "  decision_visibility: [DECISION_VISIBILITY_CONTENT_DEMOTED]\n---\nFlag spam.\n";
    ASSERT_EQ(send(*server_, "PUT", "/v1/policies/plain", mapped, ops_, "text/markdown").status, 200);
    const Reply r = statement(6);
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["illegal_content_legal_ground"], "Unfair Commercial Practices Directive, Article 6");
    EXPECT_NE(r.body["decision_facts"].get<std::string>().find("'plain' version 1"), std::string::npos);
    EXPECT_EQ(test::completed_statement_errors(r.body), std::vector<std::string>());
}

}  // namespace
}  // namespace arbiter
