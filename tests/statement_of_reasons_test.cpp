// Statements of reasons (core/statement_of_reasons.h) checked field by field against the DSA
// Transparency Database's rules (support/statement_schema.h), for each ground, a reviewed decision,
// a notice as the source, a mapped verdict category and facts over the database's limit; the
// mapping's own checks; and the mapping kept by a policy's JSON.

#include "core/statement_of_reasons.h"

#include <gtest/gtest.h>

#include "core/dsa_json.h"
#include "core/policy_file.h"
#include "core/policy_json.h"
#include "support/statement_schema.h"

namespace arbiter {
namespace {

using nlohmann::json;

DsaMapping scams_mapping() {
    DsaMapping dsa;
    dsa.decision_ground = std::string(kGroundIncompatible);
    dsa.ground = "Terms of service, section 4";
    dsa.explanation = "Content that tricks people out of money is not allowed.";
    dsa.reference_url = "https://example.com/terms#4";
    dsa.category = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD";
    dsa.categories = {{"SP4", "STATEMENT_CATEGORY_CONSUMER_INFORMATION"}};
    dsa.decision_visibility = {"DECISION_VISIBILITY_CONTENT_REMOVED"};
    return dsa;
}

DecisionFacts flagged() {
    DecisionFacts f;
    f.decision_id = 42;
    f.created_at = "2026-11-27T20:50:00.123Z";
    f.content_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    f.policy_id = "scams";
    f.policy_version = 3;
    f.policy_title = "Scams";
    f.category = "SP2";
    f.rationale = "The message asks for a card number to claim a prize.";
    return f;
}

TEST(StatementOfReasons, AnAutomatedDecisionMeetsEveryRuleOnceThePlatformAddsTheContentDate) {
    const json s = statement_of_reasons(flagged(), scams_mapping());
    EXPECT_EQ(test::completed_statement_errors(s), std::vector<std::string>()) << s.dump(2);
    // content_date is the database's to require and the platform's to know: the only rule left.
    EXPECT_EQ(test::statement_errors(s), std::vector<std::string>({"content_date: required"}));

    EXPECT_EQ(s["decision_ground"], "DECISION_GROUND_INCOMPATIBLE_CONTENT");
    EXPECT_EQ(s["incompatible_content_ground"], "Terms of service, section 4");
    EXPECT_EQ(s["incompatible_content_explanation"],
              "Content that tricks people out of money is not allowed.");
    EXPECT_FALSE(s.contains("illegal_content_legal_ground"));
    EXPECT_EQ(s["decision_ground_reference_url"], "https://example.com/terms#4");
    EXPECT_EQ(s["category"], "STATEMENT_CATEGORY_SCAMS_AND_FRAUD");  // SP2 is not mapped: the default
    EXPECT_EQ(s["decision_visibility"], json({"DECISION_VISIBILITY_CONTENT_REMOVED"}));
    EXPECT_EQ(s["content_type"], json({"CONTENT_TYPE_TEXT"}));
    EXPECT_EQ(s["source_type"], "SOURCE_VOLUNTARY");
    EXPECT_EQ(s["automated_detection"], "Yes");
    EXPECT_EQ(s["automated_decision"], "AUTOMATED_DECISION_FULLY");
    EXPECT_EQ(s["application_date"], "2026-11-27");
    EXPECT_EQ(s["puid"], "arbiter-42-9f86d081884c7d65");
    const std::string facts = s["decision_facts"];
    for (const std::string part :
         {"'scams' version 3", "(Scams)", "model tier", "category SP2", "asks for a card number"})
        EXPECT_NE(facts.find(part), std::string::npos) << part << " in " << facts;
}

TEST(StatementOfReasons, AReviewedDecisionIsPartlyAutomatedAndAMappedCategoryIsUsed) {
    DecisionFacts f = flagged();
    f.reviewed = true;
    f.category = "SP4";
    f.tier = "rules";
    f.rule_ids = {"prize-card"};
    f.rationale.clear();
    const json s = statement_of_reasons(f, scams_mapping());
    EXPECT_EQ(test::completed_statement_errors(s), std::vector<std::string>()) << s.dump(2);
    EXPECT_EQ(s["automated_decision"], "AUTOMATED_DECISION_PARTIALLY");
    EXPECT_EQ(s["category"], "STATEMENT_CATEGORY_CONSUMER_INFORMATION");
    const std::string facts = s["decision_facts"];
    EXPECT_NE(facts.find("rules tier under rules prize-card"), std::string::npos) << facts;
    EXPECT_NE(facts.find("A person reviewed"), std::string::npos) << facts;
}

TEST(StatementOfReasons, AnIllegalGroundSendsTheLegalFieldsAndANoticeIsNotAutomatedDetection) {
    DsaMapping dsa = scams_mapping();
    dsa.decision_ground = std::string(kGroundIllegal);
    dsa.ground = "Criminal code, section 263 (fraud)";
    dsa.reference_url.clear();
    dsa.source_type = "SOURCE_ARTICLE_16";
    dsa.decision_visibility = {"DECISION_VISIBILITY_CONTENT_DISABLED", "DECISION_VISIBILITY_OTHER"};
    dsa.decision_visibility_other = "Hidden from search";
    ASSERT_EQ(dsa_mapping_error(dsa), std::nullopt);
    const json s = statement_of_reasons(flagged(), dsa);
    EXPECT_EQ(test::completed_statement_errors(s), std::vector<std::string>()) << s.dump(2);
    EXPECT_EQ(s["illegal_content_legal_ground"], "Criminal code, section 263 (fraud)");
    EXPECT_FALSE(s.contains("incompatible_content_ground"));
    EXPECT_FALSE(s.contains("decision_ground_reference_url"));
    EXPECT_EQ(s["decision_visibility_other"], "Hidden from search");
    EXPECT_EQ(s["automated_detection"], "No");  // a notice identified it; arbiter decided
}

TEST(StatementOfReasons, FactsAreCutToTheDatabasesLimitOnACharacterBoundary) {
    DecisionFacts f = flagged();
    f.rationale.clear();
    for (int i = 0; i < 3000; ++i) f.rationale += "\xC3\xA9\xE2\x82\xAC";  // é€: 2 and 3 bytes
    const json s = statement_of_reasons(f, scams_mapping());
    const std::string facts = s["decision_facts"];
    EXPECT_EQ(test::characters(facts), kDsaFacts);
    EXPECT_EQ(facts, utf8_prefix(facts, kDsaFacts));
    EXPECT_EQ(test::completed_statement_errors(s), std::vector<std::string>());
    EXPECT_EQ(json::parse(s.dump())["decision_facts"], facts);  // valid UTF-8, or dump would throw
    EXPECT_EQ(utf8_prefix("ab\xC3\xA9", 3), "ab\xC3\xA9");
    EXPECT_EQ(utf8_prefix("ab\xC3\xA9", 2), "ab");
}

std::string puid_with_hash(std::string hash) {
    DecisionFacts f = flagged();
    f.content_sha256 = std::move(hash);
    return statement_puid(f);
}

TEST(StatementOfReasons, ThePuidKeepsToTheDatabasesCharacters) {
    EXPECT_EQ(puid_with_hash("0"), "arbiter-42-0");
    EXPECT_EQ(puid_with_hash("../;drop"), "arbiter-42-drop");
    EXPECT_EQ(puid_with_hash(""), "arbiter-42");
}

TEST(DsaMapping, EachValueIsCheckedAgainstTheDatabasesLists) {
    EXPECT_EQ(dsa_mapping_error(scams_mapping()), std::nullopt);
    const auto error_of = [](auto change) {
        DsaMapping dsa = scams_mapping();
        change(dsa);
        return dsa_mapping_error(dsa).value_or("accepted");
    };
    EXPECT_NE(error_of([](DsaMapping& d) {
                  d.category = "STATEMENT_CATEGORY_PORNOGRAPHY_OR_SEXUALIZED_CONTENT";
              }).find("dsa.category: 'STATEMENT_CATEGORY_PORNOGRAPHY"),
              std::string::npos);  // a v1 category the v2 schema dropped
    EXPECT_NE(error_of([](DsaMapping& d) { d.decision_ground = "incompatible"; }).find("dsa.decision_ground"),
              std::string::npos);
    EXPECT_NE(error_of([](DsaMapping& d) { d.categories["x"] = "SCAMS"; }).find("dsa.categories.x"),
              std::string::npos);
    EXPECT_NE(error_of([](DsaMapping& d) {
                  d.decision_visibility.clear();
              }).find("dsa.decision_visibility is required"),
              std::string::npos);
    EXPECT_NE(error_of([](DsaMapping& d) {
                  d.decision_visibility.push_back("DECISION_VISIBILITY_OTHER");
              }).find("dsa.decision_visibility_other is required"),
              std::string::npos);
    EXPECT_NE(error_of([](DsaMapping& d) { d.decision_visibility_other = "x"; }).find("only for"),
              std::string::npos);
    EXPECT_NE(
        error_of([](DsaMapping& d) { d.reference_url = "example.com/terms"; }).find("dsa.reference_url"),
        std::string::npos);
    EXPECT_NE(error_of([](DsaMapping& d) { d.explanation = std::string(2001, 'x'); }).find("2000 characters"),
              std::string::npos);
    EXPECT_EQ(error_of([](DsaMapping& d) {
                  d.explanation.clear();
                  for (int i = 0; i < 2000; ++i) d.explanation += "\xC3\xA9";
              }),
              "accepted");  // 2000 characters in 4000 bytes
    EXPECT_NE(error_of([](DsaMapping& d) { d.ground = " "; }).find("dsa.ground is required"),
              std::string::npos);
    EXPECT_NE(
        error_of([](DsaMapping& d) { d.content_type = {"CONTENT_TYPE_OTHER"}; }).find("dsa.content_type"),
        std::string::npos);
    EXPECT_NE(error_of([](DsaMapping& d) { d.source_type = "SOURCE_ORDER"; }).find("dsa.source_type"),
              std::string::npos);
}

TEST(DsaMapping, APolicysJsonKeepsItAndLeavesItOutWhenThereIsNone) {
    Policy policy;
    policy.id = "scams";
    policy.text = "Flag scams.";
    EXPECT_FALSE(policy_to_json(policy).contains("dsa"));  // stored policies without one keep their JSON
    policy.dsa = scams_mapping();
    const Policy back = policy_from_json(json::parse(policy_to_json(policy).dump()));
    ASSERT_TRUE(back.dsa.has_value());
    EXPECT_EQ(dsa_to_json(*back.dsa), dsa_to_json(*policy.dsa));

    json bad = policy_to_json(policy);
    bad["dsa"]["category"] = "Scams and/or fraud";  // the label, not the name the API takes
    EXPECT_THROW(policy_from_json(bad), PolicyError);
    bad = policy_to_json(policy);
    bad["dsa"]["colour"] = "red";
    try {
        policy_from_json(bad);
        ADD_FAILURE() << "an unknown dsa field was accepted";
    } catch (const PolicyError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown dsa field 'colour'"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace arbiter
