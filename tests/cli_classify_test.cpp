// `arbiter classify` as a user runs it: JSONL in, one JSON line per (item, policy) out.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/json_lines.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::json_lines;
using test::run_command;
using test::write_file;

const std::string kPolicies = ARBITER_SOURCE_DIR "/examples/policies/";

std::string classify(const std::string& args) {
    return built_binary("arbiter") + " classify --model " + test::tiny_model().string() + " --threads 2 " +
           args;
}

const std::string kThreeItems =
    "{\"id\": \"a\", \"text\": \"Buy cheap followers now!\"}\n"
    "{\"id\": \"b\", \"prompt\": \"How do I bake bread?\", \"response\": \"Mix flour and water.\"}\n"
    "{\"id\": \"c\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n";

TEST(CliClassify, TwoPoliciesThreeItemsInBothModes) {
    const std::string input = write_file("three.jsonl", kThreeItems);
    for (const char* mode : {"score", "reason"}) {
        const auto r = run_command(classify("--policy " + kPolicies + "spam.md --policy " + kPolicies +
                                            "hate-speech.md --input " + input +
                                            " --max-reasoning-tokens 16 --mode " + mode + " 2>/dev/null"));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        const auto lines = json_lines(r.output);
        ASSERT_EQ(lines.size(), 6u) << r.output;
        const std::vector<std::pair<std::string, std::string>> order = {{"a", "spam"}, {"a", "hate-speech"},
                                                                        {"b", "spam"}, {"b", "hate-speech"},
                                                                        {"c", "spam"}, {"c", "hate-speech"}};
        for (size_t i = 0; i < lines.size(); ++i) {
            const auto& j = lines[i];
            EXPECT_EQ(j["id"], order[i].first);
            EXPECT_EQ(j["policy"], order[i].second);
            EXPECT_EQ(j["policy_version"], 1);
            EXPECT_EQ(j["status"], "ok") << j.dump();
            EXPECT_TRUE(j["violation"].is_boolean());
            EXPECT_GT(j["usage"]["prompt_tokens"].get<int>(), 0);
            if (std::string(mode) == "score") {
                EXPECT_TRUE(j["probability"].is_number());
                EXPECT_EQ(j["usage"]["completion_tokens"], 0);
            } else {
                EXPECT_TRUE(j["probability"].is_null());
                EXPECT_GT(j["usage"]["completion_tokens"].get<int>(), 0);
            }
            // Each policy's prefix is evaluated once: every later item reuses it.
            if (i >= 2) {
                EXPECT_GT(j["usage"]["cached_tokens"].get<int>(), 1000) << j.dump();
            }
        }
        EXPECT_EQ(lines[0]["usage"]["cached_tokens"], 0);
        EXPECT_EQ(lines[1]["usage"]["cached_tokens"], 0);
    }
}

TEST(CliClassify, TextAndStandardInput) {
    const auto r = run_command(
        classify("--policy " + kPolicies + "spam.md --mode score --text 'hello there' 2>/dev/null"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto lines = json_lines(r.output);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0]["id"], "1");

    const auto s = run_command("printf '%s' '{\"text\":\"x\"}' | " +
                               classify("--policy " + kPolicies + " --mode score --input - 2>/dev/null"));
    ASSERT_EQ(s.exit_code, 0) << s.output;
    EXPECT_EQ(json_lines(s.output).size(), 3u);  // the three example policies
}

TEST(CliClassify, BadLinesBecomeErrorLinesAndTheRestGoesOn) {
    const std::string input = write_file("mixed.jsonl",
                                         "{\"id\": \"ok\", \"text\": \"fine\"}\nnot json\n\n{\"id\": 7}\n"
                                         "{\"id\": \"last\", \"text\": \"fine too\"}\n");
    const auto r = run_command(classify("--policy " + kPolicies + "spam.md --mode score --input " + input));
    EXPECT_EQ(r.exit_code, 1) << r.output;  // some items failed
    const auto lines = json_lines(r.output);
    ASSERT_EQ(lines.size(), 4u) << r.output;
    EXPECT_EQ(lines[0]["status"], "ok");
    EXPECT_EQ(lines[1]["status"], "error");
    EXPECT_EQ(lines[1]["error"].get<std::string>().rfind("line 2 is not valid JSON (parse error at", 0), 0u)
        << lines[1]["error"];
    EXPECT_EQ(lines[2]["id"], "7");
    EXPECT_EQ(lines[2]["status"], "error");
    EXPECT_EQ(lines[3]["id"], "last");
    EXPECT_EQ(lines[3]["status"], "ok");
    EXPECT_NE(r.output.find("4 item(s) x 1 policy: 2 ok, 0 unparseable, 2 error"), std::string::npos)
        << r.output;
}

TEST(CliClassify, KindIsEnforced) {
    const std::string input = write_file("kinds.jsonl", kThreeItems);
    const auto r =
        run_command(classify("--policy " + kPolicies + "spam.md --mode score --kind completion --input " +
                             input + " 2>/dev/null"));
    const auto lines = json_lines(r.output);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[0]["error"], "line 1 is a message, not a completion (--kind)");
    EXPECT_EQ(lines[1]["status"], "ok");
}

TEST(CliClassify, ClearErrorsForBadArguments) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"--policy /nonexistent.md --text x", "/nonexistent.md"},
        {"--policy " + kPolicies + "spam.md", "--text or --input"},
        {"--policy " + kPolicies + "spam.md --text x --mode fast", "fast"},
        {"--policy " + kPolicies + "spam.md --policy " + kPolicies + "spam.md --text x", "given twice"},
        {"--policy " + write_file("broken.md", "---\noutput: xml\n---\nx") + " --text x", "broken.md:2:"},
        {"--policy " + kPolicies + "spam.md --input /nonexistent.jsonl", "cannot be read"},
    };
    for (const auto& [args, expected] : cases) {
        const auto r = run_command(classify(args));
        EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
        EXPECT_NE(r.output.find(expected), std::string::npos) << args << "\n" << r.output;
    }
    const auto bad_model =
        run_command(built_binary("arbiter") + " classify --model /nonexistent.gguf --policy " + kPolicies +
                    "spam.md --text x");
    EXPECT_EQ(bad_model.exit_code, 2) << bad_model.output;
    EXPECT_NE(bad_model.output.find("no such file"), std::string::npos) << bad_model.output;
}

TEST(CliClassify, CombinedVerdictPerItem) {
    const std::string input = write_file("combined.jsonl", kThreeItems);
    const auto r = run_command(
        classify("--policy " + kPolicies + " --mode score --combined --input " + input + " 2>/dev/null"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto lines = json_lines(r.output);
    ASSERT_EQ(lines.size(), 3u) << r.output;
    for (const auto& line : lines) {
        ASSERT_EQ(line["verdicts"].size(), 3u);
        std::vector<std::string> violated;
        for (const auto& v : line["verdicts"]) {
            EXPECT_EQ(v["id"], line["id"]);
            if (v["violation"] == true) violated.push_back(v["policy"]);
        }
        EXPECT_EQ(line["violations"], nlohmann::json(violated));
    }
    EXPECT_EQ(lines[2]["id"], "c");
}

TEST(CliClassify, OutputFile) {
    const auto out = test::scratch_dir() / "out.jsonl";
    const auto r = run_command(
        classify("--policy " + kPolicies + "spam.md --mode score --text hi --output " + out.string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ifstream in(out);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(json_lines(text.str()).size(), 1u);
}

}  // namespace
}  // namespace arbiter
