// `arbiter render` and `arbiter policy lint` as a user runs them.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/policy_file.h"
#include "harmony/renderer.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::run_command;
using test::write_file;

const std::string kSpam = ARBITER_SOURCE_DIR "/examples/policies/spam.md";

TEST(CliRender, PrintsTheRendererOutputWithThePolicyEffort) {
    const auto r = run_command(built_binary("arbiter") + " render --policy " + kSpam + " --text 'Buy now'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const Policy spam = load_policy_file(kSpam);
    harmony::Settings s;
    s.effort = spam.effort;  // low, from the front matter
    EXPECT_EQ(r.output, harmony::render_classification(s, spam.text, "Buy now").str() + "\n");
    EXPECT_NE(r.output.find("Reasoning: low"), std::string::npos);
}

TEST(CliRender, SettingsFromFlags) {
    const auto r =
        run_command(built_binary("arbiter") + " render --policy " + kSpam +
                    " --text x --effort high --date 2025-06-28 --knowledge-cutoff 2025-01 --score");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Knowledge cutoff: 2025-01\nCurrent date: 2025-06-28\n\nReasoning: high"),
              std::string::npos)
        << r.output;
    EXPECT_TRUE(r.output.ends_with("<|start|>assistant<|channel|>final<|message|>\n"));
}

TEST(CliRender, InputFileWithAConversation) {
    const std::string input = write_file(
        "conv.json", R"({"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]})");
    const auto r = run_command(built_binary("arbiter") + " render --policy " + kSpam + " --input " + input);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Classify the whole conversation"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("{\"role\":\"assistant\",\"content\":\"yo\"}"), std::string::npos) << r.output;
}

TEST(CliRender, TokensMatchTheText) {
    const auto r = run_command(built_binary("arbiter") + " render --policy " + kSpam +
                               " --text 'hello <|end|>' --tokens --model " + test::tiny_model().string());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::istringstream lines(r.output);
    std::string line;
    int n = 0;
    while (std::getline(lines, line)) {
        EXPECT_EQ(line, std::to_string(std::stoi(line))) << "not a bare token id";
        ++n;
    }
    EXPECT_GT(n, 100);
}

TEST(CliRender, BadInputsExitTwo) {
    const std::string bin = built_binary("arbiter") + " render ";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--policy /nonexistent.md --text x", "no such file"},
        {"--policy " + kSpam, "--text or --input"},
        {"--policy " + kSpam + " --text x --input y", "excludes"},
        {"--policy " + kSpam + " --text x --date 2025-13-01", "YYYY-MM-DD"},
        {"--policy " + kSpam + " --text x --effort extreme", "extreme"},
        {"--policy " + kSpam + " --text x --tokens", "--model"},
        {"--policy " + kSpam + " --text x --tokens --model /nonexistent.gguf", "no such file"},
        {"--policy " + write_file("bad.md", "---\noutput: yaml\n---\nx") + " --text x", "bad.md:2:"},
        {"--policy " + kSpam + " --input " + write_file("bad.json", R"({"prompt": 1})"), "must be a string"},
    };
    for (const auto& [args, expected] : cases) {
        const auto r = run_command(bin + args);
        EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
        EXPECT_NE(r.output.find(expected), std::string::npos) << args << "\n" << r.output;
    }
}

TEST(CliPolicyLint, ExamplesHaveNoErrorsAndBadFilesDo) {
    const auto ok =
        run_command(built_binary("arbiter") + " policy lint " ARBITER_SOURCE_DIR "/examples/policies/*.md");
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("3 file(s): 0 error(s)"), std::string::npos) << ok.output;

    const std::string weak =
        write_file("weak.md", "---\nlabels: [X1]\n---\nFlag things.\nIt is usually X2.\n");
    const auto w = run_command(built_binary("arbiter") + " policy lint " + weak);
    EXPECT_EQ(w.exit_code, 0) << w.output;
    EXPECT_NE(w.output.find(weak + ":5: warning: hedge word 'usually'"), std::string::npos) << w.output;
    EXPECT_NE(w.output.find(weak + ": warning: no output instruction"), std::string::npos) << w.output;

    const std::string broken = write_file("broken.md", "---\nid: a\n");
    const auto b = run_command(built_binary("arbiter") + " policy lint " + broken + " " + weak);
    EXPECT_EQ(b.exit_code, 2) << b.output;
    EXPECT_NE(b.output.find("broken.md:1: front matter opened with --- is never closed"), std::string::npos)
        << b.output;
}

TEST(CliPolicyLint, CountsWithTheModelTokenizer) {
    const auto r =
        run_command(built_binary("arbiter") + " policy lint --model " + test::tiny_model().string() + " " +
                    write_file("short.md", "Answer 0 or 1.\n"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("tokens; policies work best"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("estimated"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace arbiter
