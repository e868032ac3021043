// The review queue over real HTTP on the tiny model: queue rules per policy (band, flagged,
// sample), what each reviewer is offered, reviews (who, when, which version, agreement with the
// model), disagreement and agreement figures, labelled sets as JSONL that `arbiter eval` reads,
// roles, and bad input refused.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "support/decision_rows.h"
#include "support/review_server.h"
#include "support/scratch.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::error_message;
using test::kPolicies;
using test::post;
using test::Reply;
using test::send;

class ReviewQueueTest : public ::testing::Test {
protected:
    ReviewQueueTest() : s_("review"), app_(s_.app), rita_(s_.rita), sam_(s_.sam), ops_(s_.ops) {}
    const test::InProcessServer& service() const { return s_.service(); }

    // Classifies each text against spam in score mode; returns the probabilities in order.
    std::vector<double> classify_all() {
        std::vector<double> p;
        for (const char* text : test::kReviewTexts) {
            const Reply r =
                post(service(), "/v1/classify",
                     {{"policies", {"spam"}}, {"mode", "score"}, {"content", {{"text", text}}}}, app_);
            EXPECT_EQ(r.status, 200) << r.text;
            p.push_back(r.body["verdicts"][0]["probability"].get<double>());
        }
        return p;
    }
    Reply rules(const json& body, const std::string& key) {
        return send(service(), "PUT", "/v1/queue/rules/spam", body.dump(), key);
    }
    json queue(const std::string& key) {
        const Reply r = send(service(), "GET", "/v1/queue?policy=spam&limit=200", "", key);
        EXPECT_EQ(r.status, 200) << r.text;
        return r.body;
    }
    static std::set<int64_t> ids(const json& q) {
        std::set<int64_t> out;
        for (const json& item : q["items"]) out.insert(item["decision_id"].get<int64_t>());
        return out;
    }

    test::ReviewServer s_;
    const std::string &app_, &rita_, &sam_, &ops_;
};

TEST_F(ReviewQueueTest, RulesChooseWhatIsQueuedAndOnlyAnAdminSetsThem) {
    const std::vector<double> p = classify_all();
    // Without rules nothing is queued.
    EXPECT_TRUE(queue(rita_)["items"].empty());
    EXPECT_EQ(rules({{"sample_percent", 100}}, rita_).status, 403);

    // A band around the middle two probabilities queues exactly the decisions inside it.
    std::vector<double> sorted = p;
    std::sort(sorted.begin(), sorted.end());
    const double lo = sorted[2], hi = sorted[3];
    const Reply set = rules({{"band", {{"min", lo}, {"max", hi}}}}, ops_);
    ASSERT_EQ(set.status, 200) << set.text;
    EXPECT_EQ(set.body["updated_by"], "ops");
    std::set<int64_t> expected;
    for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] >= lo && p[i] <= hi) expected.insert(static_cast<int64_t>(i) + 1);  // ids from 1, in order
    }
    const json banded = queue(rita_);
    EXPECT_EQ(ids(banded), expected);
    EXPECT_EQ(banded["waiting"], expected.size());
    for (const json& item : banded["items"]) {
        EXPECT_EQ(item["why"], json::array({"band"}));
        EXPECT_EQ(item["policy_id"], "spam");
        EXPECT_TRUE(item["content"].contains("text"));
        EXPECT_FALSE(item["disagreement"].get<bool>());
    }

    // A sample: the same share on every call (stable), all at 100%, none at 0%.
    ASSERT_EQ(rules({{"sample_percent", 50}}, ops_).status, 200);
    const std::set<int64_t> half = ids(queue(rita_));
    EXPECT_EQ(ids(queue(rita_)), half);
    ASSERT_EQ(rules({{"sample_percent", 100}}, ops_).status, 200);
    EXPECT_EQ(ids(queue(rita_)).size(), test::kReviewTextCount);
    ASSERT_EQ(rules({{"sample_percent", 0}, {"flagged", false}}, ops_).status, 200);
    EXPECT_TRUE(queue(rita_)["items"].empty());

    const Reply all = send(service(), "GET", "/v1/queue/rules", "", rita_);
    ASSERT_EQ(all.status, 200);
    ASSERT_EQ(all.body["rules"].size(), 1u);
    EXPECT_EQ(all.body["rules"][0]["policy"], "spam");

    for (const json& bad : {json{{"band", {{"min", 0.8}, {"max", 0.2}}}},
                            json{{"band", {{"min", -1}, {"max", 1}}}}, json{{"sample_percent", 101}},
                            json{{"flagged", "yes"}}, json{{"colour", 1}}, json{{"policy", "self-harm"}}}) {
        const Reply r = rules(bad, ops_);
        EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.text;
        EXPECT_FALSE(error_message(r).empty());
    }
    EXPECT_EQ(send(service(), "PUT", "/v1/queue/rules/nope", json{{"sample_percent", 1}}.dump(), ops_).status,
              404);
    EXPECT_EQ(send(service(), "GET", "/v1/queue", "", rita_).status, 400);
    EXPECT_EQ(send(service(), "GET", "/v1/queue?policy=spam&limit=0", "", rita_).status, 400);
    EXPECT_EQ(send(service(), "GET", "/v1/queue?policy=spam", "", app_).status, 403);
}

// Flagged and escalated, on a log written with the cascade's tiers (the tiny model has none):
// only live verdicts of stored policies that parsed, with their content, are ever queued.
TEST(ReviewQueue, FlaggedAndEscalatedRulesQueueTheirDecisionsOnly) {
    const std::filesystem::path db = test::fresh_db("review-tiers");
    const std::string text = R"({"text":"x"})";
    const auto row = [&](const std::string& policy, const std::string& content, int violation) {
        test::DecisionRow r;
        r.policy = policy;
        r.content_json = content;
        r.violation = violation;
        return r;
    };
    std::vector<test::DecisionRow> rows = {
        row("spam", text, 1), row("spam", text, 0),  row("spam", text, 0),     row("spam", text, 1),
        row("spam", "", 1),   row("spam", text, -1), row("self-harm", text, 1)};
    rows[0].tier = Tier::rules;             // 1: flagged
    rows[1].fast_probability = 0.4;         // 2: escalated by the fast tier; 3: neither
    rows[3].inline_policy = true;           // 4: an inline policy's
    rows[5].status = VerdictStatus::error;  // 5: no content, 6: no verdict, 7: another policy
    test::write_decisions(db.string(), rows);
    test::InProcessServer server(db, test::InProcessOptions{});
    ASSERT_EQ(send(server, "PUT", "/v1/queue/rules/spam", json{{"flagged", true}, {"escalated", true}}.dump())
                  .status,
              200);
    const Reply q = send(server, "GET", "/v1/queue?policy=spam");
    ASSERT_EQ(q.status, 200) << q.text;
    ASSERT_EQ(q.body["items"].size(), 2u) << q.text;
    EXPECT_EQ(q.body["items"][0]["decision_id"], 1);
    EXPECT_EQ(q.body["items"][0]["why"], json::array({"flagged"}));
    EXPECT_EQ(q.body["items"][1]["decision_id"], 2);
    EXPECT_EQ(q.body["items"][1]["why"], json::array({"escalated"}));
    // Decisions that cannot be reviewed are refused as reviews too.
    EXPECT_EQ(post(server, "/v1/reviews", {{"decision_id", 5}, {"violation", true}}).status, 400);
    EXPECT_EQ(post(server, "/v1/reviews", {{"decision_id", 6}, {"violation", true}}).status, 400);
}

TEST_F(ReviewQueueTest, ReviewsAreStoredWithReviewerVersionAndDisagreementsShow) {
    classify_all();
    ASSERT_EQ(rules({{"sample_percent", 100}}, ops_).status, 200);
    const json first = queue(rita_)["items"][0];
    const int64_t id = first["decision_id"].get<int64_t>();
    const bool model = first["verdict"]["violation"].get<bool>();

    const Reply mine = post(service(), "/v1/reviews",
                            {{"decision_id", id}, {"violation", !model}, {"note", "sells"}}, rita_);
    ASSERT_EQ(mine.status, 201) << mine.text;
    EXPECT_EQ(mine.body["reviewer"], "rita");
    EXPECT_EQ(mine.body["policy_version"], 1);
    EXPECT_EQ(mine.body["agrees_with_model"], false);
    EXPECT_EQ(mine.body["note"], "sells");
    EXPECT_EQ(post(service(), "/v1/reviews", {{"decision_id", id}, {"violation", model}}, rita_).status, 409);
    // Rita is not offered it again; Sam is, with Rita's review beside it.
    EXPECT_EQ(ids(queue(rita_)).count(id), 0u);
    const json sams = queue(sam_);
    ASSERT_EQ(sams["items"][0]["decision_id"], id);
    EXPECT_EQ(sams["items"][0]["reviews"].size(), 1u);
    EXPECT_EQ(sams["items"][0]["reviews"][0]["reviewer"], "rita");

    const Reply theirs = post(service(), "/v1/reviews", {{"decision_id", id}, {"violation", model}}, sam_);
    ASSERT_EQ(theirs.status, 201) << theirs.text;
    EXPECT_EQ(theirs.body["agrees_with_model"], true);
    // Two reviews that disagree: a third reviewer is offered it, marked, to break the tie.
    const json third = queue(ops_);
    ASSERT_EQ(third["items"][0]["decision_id"], id);
    EXPECT_TRUE(third["items"][0]["disagreement"].get<bool>());
    EXPECT_EQ(third["items"][0]["reviews"].size(), 2u);

    // A second item both agree on.
    const int64_t other = queue(rita_)["items"][0]["decision_id"].get<int64_t>();
    ASSERT_EQ(post(service(), "/v1/reviews", {{"decision_id", other}, {"violation", true}}, rita_).status,
              201);
    ASSERT_EQ(post(service(), "/v1/reviews", {{"decision_id", other}, {"violation", true}}, sam_).status,
              201);
    EXPECT_EQ(ids(queue(ops_)).count(other), 0u);  // two who agree settle it

    const Reply reviews = send(service(), "GET", "/v1/reviews?decision=" + std::to_string(id), "", rita_);
    ASSERT_EQ(reviews.status, 200) << reviews.text;
    ASSERT_EQ(reviews.body["reviews"].size(), 2u);
    EXPECT_EQ(reviews.body["reviews"][0]["reviewer"], "rita");
    EXPECT_EQ(reviews.body["reviews"][1]["reviewer"], "sam");
    // The decision opened from the log carries them too.
    const Reply opened = send(service(), "GET", "/v1/decisions/" + std::to_string(id), "", rita_);
    ASSERT_EQ(opened.status, 200) << opened.text;
    EXPECT_EQ(opened.body["reviews"], reviews.body["reviews"]);

    const Reply summary = send(service(), "GET", "/v1/queue/summary", "", rita_);
    ASSERT_EQ(summary.status, 200);
    json spam;
    for (const json& s : summary.body["policies"])
        if (s["policy"] == "spam") spam = s;
    EXPECT_EQ(spam["reviewed"], 2);
    EXPECT_EQ(spam["reviews"], 4);
    EXPECT_EQ(spam["double_reviewed"], 2);
    EXPECT_EQ(spam["disagreements"], 1);
    EXPECT_DOUBLE_EQ(spam["agreement"].get<double>(), 0.5);
    EXPECT_EQ(spam["waiting"], test::kReviewTextCount - 2);

    // Bad reviews.
    for (const json& bad :
         {json{{"violation", true}}, json{{"decision_id", id}},
          json{{"decision_id", "1"}, {"violation", true}}, json{{"decision_id", id}, {"violation", 1}},
          json{{"decision_id", id}, {"violation", true}, {"x", 1}},
          json{{"decision_id", id}, {"violation", true}, {"note", std::string(2001, 'n')}}}) {
        EXPECT_EQ(post(service(), "/v1/reviews", bad, ops_).status, 400) << bad.dump();
    }
    EXPECT_EQ(post(service(), "/v1/reviews", {{"decision_id", 999}, {"violation", true}}, ops_).status, 404);
    EXPECT_EQ(post(service(), "/v1/reviews", {{"decision_id", id}, {"violation", true}}, app_).status, 403);
    EXPECT_EQ(send(service(), "GET", "/v1/reviews", "", rita_).status, 400);
    EXPECT_EQ(send(service(), "GET", "/v1/reviews?decision=x", "", rita_).status, 400);
}

TEST_F(ReviewQueueTest, LabelledSetsTakeTheMajorityAndExportAsEvalJsonl) {
    classify_all();
    ASSERT_EQ(rules({{"sample_percent", 100}}, ops_).status, 200);
    // Decision 1: violation by two of three; 2: a tie (the latest, safe, wins); 3: safe.
    const auto review = [&](int64_t id, bool v, const std::string& key) {
        ASSERT_EQ(post(service(), "/v1/reviews", {{"decision_id", id}, {"violation", v}}, key).status, 201);
    };
    review(1, true, rita_);
    review(1, false, sam_);
    review(1, true, ops_);
    review(2, true, rita_);
    review(2, false, sam_);
    review(3, false, rita_);

    const Reply sets = send(service(), "GET", "/v1/labelled-sets", "", rita_);
    ASSERT_EQ(sets.status, 200) << sets.text;
    json spam;
    for (const json& s : sets.body["sets"])
        if (s["policy"] == "spam") spam = s;
    EXPECT_EQ(spam, json({{"policy", "spam"}, {"items", 3}, {"violations", 1}, {"ties", 1}}));

    const Reply exported = send(service(), "GET", "/v1/labelled-sets/spam", "", rita_);
    ASSERT_EQ(exported.status, 200);
    EXPECT_EQ(exported.headers.find("Content-Type")->second, "application/x-ndjson");
    EXPECT_NE(exported.headers.find("Content-Disposition")->second.find("spam-labelled.jsonl"),
              std::string::npos);
    std::istringstream lines(exported.text);
    std::vector<json> rows;
    for (std::string line; std::getline(lines, line);) rows.push_back(json::parse(line));
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0]["id"], "decision-1");
    EXPECT_EQ(rows[0]["text"], test::kReviewTexts[0]);
    EXPECT_EQ(rows[0]["label"], 1);
    EXPECT_EQ(rows[0]["reviews"], 3);
    EXPECT_EQ(rows[0]["reviewers"], json::array({"rita", "sam", "ops"}));
    EXPECT_EQ(rows[1]["label"], 0);
    EXPECT_EQ(rows[2]["label"], 0);

    // `arbiter eval` reads the export as a dataset, with its labels.
    const std::string file = test::write_file("labelled.jsonl", exported.text);
    const std::filesystem::path out = test::scratch_dir() / "labelled-eval";
    std::filesystem::remove_all(out);
    const test::CommandResult eval =
        test::run_command(test::built_binary("arbiter") + " eval --model " + test::tiny_model().string() +
                          " --mode score --data " + file + " --policy " + kPolicies + "/spam.md --out " +
                          out.string() + " 2>&1");
    ASSERT_EQ(eval.exit_code, 0) << eval.output;
    std::ifstream metrics_file(out / "metrics.json");
    const json metrics = json::parse(metrics_file);
    EXPECT_EQ(metrics["policies"][0]["evaluated"], 3);
    const json& confusion = metrics["policies"][0]["confusion"];
    EXPECT_EQ(confusion["tp"].get<int>() + confusion["fn"].get<int>(), 1);  // one violation among the labels

    EXPECT_EQ(send(service(), "GET", "/v1/labelled-sets/nope", "", rita_).status, 404);
    EXPECT_EQ(send(service(), "GET", "/v1/labelled-sets", "", app_).status, 403);
}

}  // namespace
}  // namespace arbiter
