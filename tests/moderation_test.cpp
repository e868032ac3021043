// /v1/moderations' answer on its own: which key each policy answers under (its id, or the OpenAI
// categories its set maps it to), the threshold, and what OpenAI's clients read.

#include "compat/moderation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace arbiter::service {
namespace {

using nlohmann::ordered_json;

Verdict scored(const std::string& policy, double probability) {
    Verdict v;
    v.policy_id = policy;
    v.policy_version = 1;
    v.status = VerdictStatus::ok;
    v.probability = probability;
    v.violation = probability >= 0.5;
    return v;
}

std::vector<std::string> keys(const ordered_json& object) {
    std::vector<std::string> out;
    for (const auto& [key, value] : object.items()) out.push_back(key);
    return out;
}

TEST(Moderation, PoliciesAnswerUnderTheirIdsWithoutAMapping) {
    PolicySet set;
    set.threshold = 0.4;
    const ordered_json r = moderation_response(
        "modr-1", "default", set, {{scored("spam", 0.45), scored("self-harm", 0.3)}, {scored("spam", 0.1)}});
    EXPECT_EQ(r["id"], "modr-1");
    EXPECT_EQ(r["model"], "default");
    ASSERT_EQ(r["results"].size(), 2u);
    const ordered_json& first = r["results"][0];
    EXPECT_EQ(keys(first["categories"]), (std::vector<std::string>{"spam", "self-harm"}));
    EXPECT_EQ(first["categories"]["spam"], true);  // 0.45 >= the set's 0.4, not the verdict's 0.5
    EXPECT_EQ(first["categories"]["self-harm"], false);
    EXPECT_EQ(first["category_scores"]["spam"], 0.45);
    EXPECT_EQ(first["category_applied_input_types"]["self-harm"], ordered_json::array({"text"}));
    EXPECT_EQ(first["flagged"], true);
    EXPECT_EQ(r["results"][1]["flagged"], false);
    EXPECT_EQ(r["results"][1]["verdicts"][0]["policy"], "spam");
}

TEST(Moderation, MappedPoliciesAnswerUnderOpenAIKeys) {
    PolicySet set;
    set.categories = {{"hate-speech", {"hate"}}, {"self-harm", {"self-harm", "self-harm/intent"}}};
    Verdict reasoned;  // reason mode: a decision and no probability, scored 1
    reasoned.policy_id = "self-harm";
    reasoned.status = VerdictStatus::ok;
    reasoned.violation = true;
    const ordered_json r = moderation_response("modr-2", "omni-moderation-latest", set,
                                               {{scored("hate-speech", 0.7), reasoned, scored("spam", 0.2)}});
    EXPECT_EQ(r["model"], "omni-moderation-latest");
    const ordered_json& result = r["results"][0];
    const std::vector<std::string> expected = {"hate", "self-harm", "self-harm/intent", "spam"};
    EXPECT_EQ(keys(result["categories"]), expected);
    EXPECT_EQ(keys(result["category_scores"]), expected);
    EXPECT_EQ(keys(result["category_applied_input_types"]), expected);
    EXPECT_EQ(result["categories"]["hate"], true);
    EXPECT_EQ(result["category_scores"]["hate"], 0.7);
    EXPECT_EQ(result["categories"]["self-harm/intent"], true);
    EXPECT_EQ(result["category_scores"]["self-harm"], 1.0);
    EXPECT_EQ(result["categories"]["spam"], false);
    EXPECT_FALSE(result["categories"].contains("hate-speech"));
    // OpenAI's categories no policy answers for are absent, not claimed clean.
    EXPECT_FALSE(result["categories"].contains("violence"));
    EXPECT_EQ(result["flagged"], true);
    // The verdicts keep arbiter's policy ids.
    EXPECT_EQ(result["verdicts"][0]["policy"], "hate-speech");
    EXPECT_EQ(result["verdicts"][1]["policy"], "self-harm");
}

TEST(Moderation, AKeyTwoPoliciesAnswerUnderFlagsWhenEitherDoes) {
    // Possible where a set serves every policy: one policy is named `hate`, another maps to it.
    PolicySet set;
    set.categories = {{"slurs", {"hate"}}};
    for (const bool second_flags : {false, true}) {
        const ordered_json r = moderation_response(
            "modr-3", "default", set, {{scored("hate", 0.6), scored("slurs", second_flags ? 0.9 : 0.1)}});
        const ordered_json& result = r["results"][0];
        EXPECT_EQ(keys(result["categories"]), std::vector<std::string>{"hate"});
        EXPECT_EQ(result["categories"]["hate"], true);
        EXPECT_EQ(result["category_scores"]["hate"], second_flags ? 0.9 : 0.6);
        const ordered_json swapped = moderation_response(
            "modr-4", "default", set, {{scored("hate", 0.1), scored("slurs", second_flags ? 0.9 : 0.2)}});
        EXPECT_EQ(swapped["results"][0]["categories"]["hate"], second_flags);
    }
}

}  // namespace
}  // namespace arbiter::service
