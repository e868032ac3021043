// Final answers per output format: what parses, and every malformed case that must not.

#include "core/answer_parser.h"

#include <gtest/gtest.h>

namespace arbiter {
namespace {

TEST(AnswerParser, Binary) {
    for (const char* one : {"1", " 1\n", "\n\n1  ", "```\n1\n```"}) {
        const Answer a = parse_answer(one, OutputFormat::binary);
        EXPECT_TRUE(a.parsed) << one;
        EXPECT_TRUE(a.violation) << one;
    }
    const Answer zero = parse_answer("0", OutputFormat::binary);
    EXPECT_TRUE(zero.parsed);
    EXPECT_FALSE(zero.violation);
}

TEST(AnswerParser, BinaryNeverGuesses) {
    for (const char* bad :
         {"", " ", "yes", "no", "10", "01", "1.", "0 1", "true", "1\n0", "{\"violation\":1}", "２"}) {
        const Answer a = parse_answer(bad, OutputFormat::binary);
        EXPECT_FALSE(a.parsed) << "'" << bad << "'";
        EXPECT_FALSE(a.problem.empty());
    }
}

TEST(AnswerParser, Json) {
    const Answer a = parse_answer(R"({"violation": 1, "policy_category": "H2.f"})", OutputFormat::json);
    ASSERT_TRUE(a.parsed) << a.problem;
    EXPECT_TRUE(a.violation);
    EXPECT_EQ(a.category, "H2.f");

    const Answer b = parse_answer(" {\"violation\":0,\"policy_category\":null}\n", OutputFormat::json);
    ASSERT_TRUE(b.parsed) << b.problem;
    EXPECT_FALSE(b.violation);
    EXPECT_FALSE(b.category.has_value());

    const Answer c = parse_answer("```json\n{\"violation\": true}\n```", OutputFormat::json);
    ASSERT_TRUE(c.parsed) << c.problem;
    EXPECT_TRUE(c.violation);
}

TEST(AnswerParser, JsonRationale) {
    const Answer a = parse_answer(
        R"({"violation":1,"policy_category":"H2.f","rule_ids":["H2.d","H2.f"],"confidence":"high","rationale":"Slur."})",
        OutputFormat::json_rationale);
    ASSERT_TRUE(a.parsed) << a.problem;
    EXPECT_EQ(a.rule_ids, (std::vector<std::string>{"H2.d", "H2.f"}));
    EXPECT_EQ(a.confidence, "high");
    EXPECT_EQ(a.rationale, "Slur.");
}

TEST(AnswerParser, MalformedJson) {
    const std::vector<std::pair<std::string, OutputFormat>> bad = {
        {"", OutputFormat::json},
        {"1", OutputFormat::json},
        {"{", OutputFormat::json},
        {"[1]", OutputFormat::json},
        {R"({"policy_category": "X"})", OutputFormat::json},
        {R"({"violation": 2})", OutputFormat::json},
        {R"({"violation": "1"})", OutputFormat::json},
        {R"({"violation": 1.0})", OutputFormat::json},
        {R"({"violation": 1, "policy_category": 5})", OutputFormat::json},
        {R"({"violation": 1} trailing)", OutputFormat::json},
        {R"({"violation": 1, "rule_ids": "H2"})", OutputFormat::json_rationale},
        {R"({"violation": 1, "rule_ids": [1]})", OutputFormat::json_rationale},
        {R"({"violation": 1, "confidence": 0.9})", OutputFormat::json_rationale},
        {R"({"violation": 1, "rationale": ["a"]})", OutputFormat::json_rationale},
        {std::string(100000, '[') + std::string(100000, ']'), OutputFormat::json},
        {"{\"violation\":1,\"x\":" + std::string(5000, '[') + std::string(5000, ']') + "}",
         OutputFormat::json},
    };
    for (const auto& [text, format] : bad) {
        const Answer a = parse_answer(text, format);
        EXPECT_FALSE(a.parsed) << text.substr(0, 80);
        EXPECT_FALSE(a.problem.empty());
    }
}

TEST(AnswerParser, InvalidUtf8InARationaleIsReplacedNotFatal) {
    const Answer a =
        parse_answer("{\"violation\": 1, \"rationale\": \"a\xff\"}", OutputFormat::json_rationale);
    ASSERT_TRUE(a.parsed) << a.problem;
    EXPECT_EQ(a.rationale, "a\xEF\xBF\xBD");
}

TEST(AnswerParser, AnswerClosed) {
    EXPECT_FALSE(answer_closed("", OutputFormat::binary));
    EXPECT_TRUE(answer_closed("1", OutputFormat::binary));
    EXPECT_FALSE(answer_closed("{\"violation\": 1", OutputFormat::json));
    EXPECT_FALSE(answer_closed("{\"a\": \"}\"", OutputFormat::json));      // a brace inside a string
    EXPECT_FALSE(answer_closed("{\"a\": \"\\\"}\"", OutputFormat::json));  // an escaped quote
    EXPECT_TRUE(answer_closed("{\"a\": [1, {\"b\": 2}]}", OutputFormat::json));
    EXPECT_TRUE(answer_closed("{\"violation\": 1, \"rationale\": \"\xff\"}", OutputFormat::json_rationale));
}

}  // namespace
}  // namespace arbiter
