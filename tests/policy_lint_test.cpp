// The policy linter: each of OpenAI's warnings, and quiet on the example policies.

#include "core/policy_lint.h"

#include <gtest/gtest.h>

#include "core/policy_file.h"

namespace arbiter {
namespace {

bool has_warning(const std::vector<LintWarning>& ws, const std::string& needle, int line = -1) {
    for (const LintWarning& w : ws) {
        if (w.message.find(needle) != std::string::npos && (line < 0 || w.line == line)) return true;
    }
    return false;
}

std::string all(const std::vector<LintWarning>& ws) {
    std::string out;
    for (const LintWarning& w : ws) out += std::to_string(w.line) + ": " + w.message + "\n";
    return out;
}

TEST(PolicyLint, BarePolicyGetsEveryWarning) {
    Policy p;
    p.text = "Flag bad stuff. It is usually SP9.";
    p.labels = {"SP1"};
    const auto ws = lint_policy(p);
    for (const char* section : {"instructions", "definitions", "what violates", "what is safe", "examples"}) {
        EXPECT_TRUE(has_warning(ws, std::string("no section for ") + section)) << all(ws);
    }
    EXPECT_TRUE(has_warning(ws, "no output instruction")) << all(ws);
    EXPECT_TRUE(has_warning(ws, "hedge word 'usually'", 1)) << all(ws);
    EXPECT_TRUE(has_warning(ws, "about 9 tokens")) << all(ws);
    EXPECT_TRUE(has_warning(ws, "category 'SP9' is used but not declared", 1)) << all(ws);
    EXPECT_TRUE(has_warning(ws, "label 'SP1' is declared but never used")) << all(ws);
}

TEST(PolicyLint, OutputInstructionMustMatchTheDeclaredFormat) {
    Policy p;
    p.output = OutputFormat::binary;
    p.text = "Answer with {\"violation\": 1, \"policy_category\": \"X\"}.";
    EXPECT_TRUE(has_warning(lint_policy(p), "asks for json answers but output: is binary"));
    p.output = OutputFormat::json;
    EXPECT_FALSE(has_warning(lint_policy(p), "answers but output:"));
    p.text = "Answer 1 if it violates, 0 if not.";
    p.output = OutputFormat::binary;
    EXPECT_FALSE(has_warning(lint_policy(p), "output instruction"));
    EXPECT_FALSE(has_warning(lint_policy(p), "answers but output:"));
}

TEST(PolicyLint, HedgesAreWholeWordsWithLines) {
    Policy p;
    p.text = "line one\nThis is often fine.\nMighty oaks are not hedges.";
    const auto ws = lint_policy(p);
    EXPECT_TRUE(has_warning(ws, "'often'", 2)) << all(ws);
    EXPECT_FALSE(has_warning(ws, "'might'")) << all(ws);
}

TEST(PolicyLint, ModelTokenCountIsUsedWhenGiven) {
    Policy p;
    p.text = "short";
    const auto ws = lint_policy(p, [](std::string_view) { return 500; });
    EXPECT_FALSE(has_warning(ws, "tokens;")) << all(ws);
    const auto too_long = lint_policy(p, [](std::string_view) { return 900; });
    EXPECT_TRUE(has_warning(too_long, "900 tokens; policies work best between 400 and 600")) << all(too_long);
}

TEST(PolicyLint, ExamplePoliciesAreClean) {
    for (const Policy& p : load_policies(ARBITER_SOURCE_DIR "/examples/policies")) {
        const auto ws = lint_policy(p);
        EXPECT_TRUE(ws.empty()) << p.id << ":\n" << all(ws);
    }
}

}  // namespace
}  // namespace arbiter
