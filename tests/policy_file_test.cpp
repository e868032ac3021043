// Policy files: front matter, defaults, and errors that name the file and line.

#include "core/policy_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/policy_json.h"
#include "support/scratch.h"

namespace arbiter {
namespace {

std::string error_of(const std::string& text, const std::string& source = "p.md") {
    try {
        parse_policy(text, source);
    } catch (const PolicyError& e) {
        return e.what();
    }
    return "";
}

TEST(PolicyFile, FrontMatterAndBody) {
    const Policy p = parse_policy(
        "---\nid: spam\nversion: 3\ntitle: Spam\nlabels: [SP2, SP3]\noutput: json\neffort: low\n---\n\n# "
        "Spam\n\nRules.\n\n",
        "x.md");
    EXPECT_EQ(p.id, "spam");
    EXPECT_EQ(p.version, 3);
    EXPECT_EQ(p.title, "Spam");
    EXPECT_EQ(p.labels, (std::vector<std::string>{"SP2", "SP3"}));
    EXPECT_EQ(p.output, OutputFormat::json);
    EXPECT_EQ(p.effort, ReasoningEffort::low);
    EXPECT_EQ(p.text, "# Spam\n\nRules.");
}

TEST(PolicyFile, DefaultsWithoutFrontMatter) {
    const Policy p = parse_policy("Answer 0 or 1.\n", "dir/my-policy.md");
    EXPECT_EQ(p.id, "my-policy");
    EXPECT_EQ(p.version, 1);
    EXPECT_EQ(p.output, OutputFormat::binary);
    EXPECT_EQ(p.effort, ReasoningEffort::medium);
    EXPECT_EQ(p.text, "Answer 0 or 1.");
}

TEST(PolicyFile, BodyIsVerbatimInside) {
    const std::string body =
        "  indented first line\n\n\ttabs, <|end|> and \"quotes\" stay\n---\nnot front matter";
    EXPECT_EQ(parse_policy("\n\n" + body + "\n\n", "p.md").text, body);
}

TEST(PolicyFile, ByteOrderMarkAndCrlf) {
    const Policy p = parse_policy("\xEF\xBB\xBF---\r\nid: crlf\r\n---\r\nText.\r\n", "p.md");
    EXPECT_EQ(p.id, "crlf");
    EXPECT_EQ(p.text, "Text.");
}

TEST(PolicyFile, StreamSettings) {
    const Policy p = parse_policy(
        "---\nid: s\nstream:\n  check_every_tokens: 8\n  threshold: 0.7\n  consecutive: 2\n  "
        "at_sentence_ends: true\n  at_close: "
        "reason\n"
        "---\nText",
        "p.md");
    EXPECT_EQ(p.stream.check_every_tokens, 8);
    EXPECT_EQ(p.stream.threshold, 0.7);
    EXPECT_EQ(p.stream.consecutive, 2);
    EXPECT_TRUE(p.stream.reason_at_close);
    EXPECT_TRUE(p.stream.at_sentence_ends);
    const Policy defaults = parse_policy("---\nid: d\n---\nText", "p.md");
    EXPECT_EQ(defaults.stream.check_every_tokens, 16);
    EXPECT_FALSE(defaults.stream.reason_at_close);
    EXPECT_EQ(error_of("---\nstream:\n  check_every_tokens: 0\n---\nText"),
              "p.md:3: check_every_tokens must be a whole number from 1 to 1048576");
    EXPECT_EQ(error_of("---\nstream:\n  at_close: later\n---\nText"),
              "p.md:3: at_close must be score or reason, not 'later'");
    EXPECT_EQ(error_of("---\nstream:\n  every: 3\n---\nText"),
              "p.md:3: unknown stream key 'every' (known: check_every_tokens, threshold, consecutive, "
              "at_sentence_ends, at_close)");
    // The API's JSON form carries them too, and reads them back.
    EXPECT_EQ(policy_from_json(policy_to_json(p)).stream.consecutive, 2);
    EXPECT_THROW(policy_from_json({{"id", "j"}, {"text", "T"}, {"stream", {{"threshold", 3}}}}), PolicyError);
}

// The parts of an agent's conversation a policy judges: everything unless it says otherwise; tool
// calls as true, false or a list of tool names.
TEST(PolicyFile, JudgedParts) {
    const Policy all = parse_policy("---\nid: a\n---\nText", "p.md");
    EXPECT_TRUE(all.judges.text && all.judges.tool_results && all.judges.judges_call("anything"));
    const Policy calls = parse_policy(
        "---\nid: c\njudges: {text: false, tool_calls: [send_money, delete_file], tool_results: "
        "false}\n---\nT",
        "p.md");
    EXPECT_FALSE(calls.judges.text);
    EXPECT_FALSE(calls.judges.tool_results);
    EXPECT_TRUE(calls.judges.judges_call("send_money"));
    EXPECT_FALSE(calls.judges.judges_call("get_weather"));
    const Policy results =
        parse_policy("---\nid: r\njudges: {text: false, tool_calls: false}\n---\nT", "p.md");
    EXPECT_FALSE(results.judges.judges_call("send_money"));
    EXPECT_TRUE(results.judges.tool_results);
    EXPECT_EQ(error_of("---\njudges: {text: false, tool_calls: false, tool_results: false}\n---\nText"),
              "p.md:2: judges leaves nothing to judge");
    EXPECT_EQ(error_of("---\njudges: {calls: true}\n---\nText"),
              "p.md:2: unknown judges key 'calls' (known: text, tool_calls, tool_results)");
    EXPECT_EQ(error_of("---\njudges: {tool_calls: []}\n---\nText"), "p.md:2: tool_calls lists no tool");
    // The API's JSON form carries them too, and reads them back.
    const Policy back = policy_from_json(policy_to_json(calls));
    EXPECT_EQ(back.judges.tools, calls.judges.tools);
    EXPECT_FALSE(back.judges.text);
    EXPECT_FALSE(policy_from_json(policy_to_json(results)).judges.tool_calls);
    EXPECT_THROW(policy_from_json({{"id", "j"}, {"text", "T"}, {"judges", {{"text", 1}}}}), PolicyError);
}

TEST(PolicyFile, ErrorsNameFileAndLine) {
    EXPECT_EQ(error_of("---\nid: a\nouput: json\n---\nText"),
              "p.md:3: unknown front matter key 'ouput' (known: id, version, title, labels, output, effort, "
              "rules, cascade, stream, judges, dsa)");
    EXPECT_EQ(error_of("---\noutput: yaml\n---\nText"),
              "p.md:2: output must be binary, json or json_rationale, not 'yaml'");
    EXPECT_EQ(error_of("---\n\neffort: extreme\n---\nText"),
              "p.md:3: effort must be low, medium or high, not 'extreme'");
    EXPECT_EQ(error_of("---\nversion: two\n---\nText"),
              "p.md:2: version must be a whole number from 1, not 'two'");
    EXPECT_EQ(error_of("---\nversion: 0\n---\nText"),
              "p.md:2: version must be a whole number from 1, not '0'");
    EXPECT_EQ(error_of("---\nlabels: SP2\n---\nText"), "p.md:2: labels must be a list, e.g. [SP2, SP3]");
    EXPECT_EQ(error_of("---\nid: has space\n---\nText"),
              "p.md:2: id 'has space' must be 1-64 letters, digits, '-', '_' or '.'");
    EXPECT_EQ(error_of("---\nid: a\nText"), "p.md:1: front matter opened with --- is never closed");
    EXPECT_EQ(error_of("---\nid: a\n---\n\n\n"), "p.md:4: the policy has no text");
    EXPECT_EQ(error_of("---\n- a\n- b\n---\nText"), "p.md:2: front matter must be key: value pairs");
    EXPECT_NE(error_of("---\nid: [unclosed\n---\nText").find("p.md:"), std::string::npos);
    EXPECT_NE(error_of("---\nid: a\n  bad: indent\n---\nText").find("invalid front matter"),
              std::string::npos);
    EXPECT_EQ(error_of(std::string("abc\0def", 7)), "p.md:1: policy contains a NUL byte");
    EXPECT_EQ(error_of(std::string(kMaxPolicyBytes + 1, 'a')), "p.md:1: policy is larger than 256 KiB");
}

TEST(PolicyFile, MissingFileAndFolders) {
    const auto dir = test::scratch_dir() / "policies";
    std::filesystem::create_directories(dir);
    EXPECT_THROW(load_policy_file(dir / "absent.md"), PolicyError);
    EXPECT_THROW(load_policies(dir), PolicyError);  // empty folder

    std::ofstream(dir / "a.md") << "---\nid: same\n---\nA";
    std::ofstream(dir / "b.md") << "B";
    std::ofstream(dir / "notes.txt") << "ignored";
    const std::vector<Policy> set = load_policies(dir);
    ASSERT_EQ(set.size(), 2u);
    EXPECT_EQ(set[0].id, "same");
    EXPECT_EQ(set[1].id, "b");

    std::ofstream(dir / "c.md") << "---\nid: same\n---\nC";
    try {
        load_policies(dir);
        FAIL() << "duplicate ids accepted";
    } catch (const PolicyError& e) {
        EXPECT_NE(std::string(e.what()).find("also used by"), std::string::npos) << e.what();
    }
}

TEST(PolicyFile, ExamplePoliciesLoad) {
    const std::vector<Policy> set = load_policies(ARBITER_SOURCE_DIR "/examples/policies");
    ASSERT_GE(set.size(), 3u);
    for (const Policy& p : set) {
        EXPECT_FALSE(p.labels.empty()) << p.id;
        EXPECT_FALSE(p.title.empty()) << p.id;
    }
}

TEST(PolicyFile, BodyFirstLine) {
    EXPECT_EQ(body_first_line("Text"), 1);
    EXPECT_EQ(body_first_line("---\nid: a\n---\nText"), 4);
    EXPECT_EQ(body_first_line("---\nid: a\n---\n\n\nText"), 6);
}

}  // namespace
}  // namespace arbiter
