// `arbiter info` as a user runs it: the binary, its output and its exit codes.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::run_command;

std::string info(const std::filesystem::path& model, const std::string& flags = "") {
    return built_binary("arbiter") + " info --model '" + model.string() + "' " + flags;
}

TEST(CliInfo, TinyModelAsJson) {
    const auto r = run_command(info(test::tiny_model(), "--json"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["architecture"], "gpt-oss");
    EXPECT_EQ(j["n_embd"], 64);
    EXPECT_EQ(j["experts"], 4);
    EXPECT_EQ(j["experts_used"], 2);
    EXPECT_EQ(j["special_tokens"].size(), 9u);
}

TEST(CliInfo, TextNamesTheFacts) {
    const auto r = run_command(info(test::tiny_model()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    for (const char* needle : {"architecture    gpt-oss", "n_embd          64", "experts         4 (2 used",
                               "<|return|>", "MXFP4 MoE"}) {
        EXPECT_NE(r.output.find(needle), std::string::npos) << needle << "\n" << r.output;
    }
}

// As the published gpt-oss-20b GGUF conversions describe themselves: o200k_harmony's 201,088 ids,
// the harmony specials at their ids, llama.cpp's gpt-4o pre-tokenizer.
TEST(CliInfo, RealVocabularyModelHasThePublishedTokenizer) {
    const auto r = run_command(info(test::tiny_o200k_model(), "--json"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["vocabulary"], 201088);
    EXPECT_EQ(j["tokenizer"], "gpt2");
    EXPECT_EQ(j["pre_tokenizer"], "gpt-4o");
    const nlohmann::json published = {
        {"<|startoftext|>", 199998}, {"<|endoftext|>", 199999}, {"<|return|>", 200002},
        {"<|constrain|>", 200003},   {"<|channel|>", 200005},   {"<|start|>", 200006},
        {"<|end|>", 200007},         {"<|message|>", 200008},   {"<|call|>", 200012}};
    EXPECT_EQ(j["special_tokens"], published);
    EXPECT_TRUE(j["missing_special_tokens"].empty());

    const auto text = run_command(info(test::tiny_o200k_model()));
    ASSERT_EQ(text.exit_code, 0) << text.output;
    for (const char* needle : {"vocabulary      201088 tokens", "tokenizer       gpt2, pre-tokenizer gpt-4o",
                               "<|start|>        200006"}) {
        EXPECT_NE(text.output.find(needle), std::string::npos) << needle << "\n" << text.output;
    }
}

struct BadFile {
    std::string name;
    std::string content;
    std::string expected;  // part of the one-line message
};

class CliInfoBadFile : public testing::TestWithParam<BadFile> {};

TEST_P(CliInfoBadFile, ExitsTwoWithOneLine) {
    const BadFile& bad = GetParam();
    auto path = test::scratch_dir() / bad.name;
    if (bad.content == "<truncated>") {
        std::ifstream in(test::tiny_model(), std::ios::binary);
        std::string whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ofstream(path, std::ios::binary) << whole.substr(0, whole.size() / 2);
    } else if (bad.content != "<absent>") {
        std::ofstream(path, std::ios::binary) << bad.content;
    }
    const auto r = run_command(info(path));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_NE(r.output.find(bad.expected), std::string::npos) << r.output;
}

INSTANTIATE_TEST_SUITE_P(
    Files, CliInfoBadFile,
    testing::Values(BadFile{"absent.gguf", "<absent>", "no such file"},
                    BadFile{"half.gguf", "<truncated>", "truncated"},
                    BadFile{"random.gguf", std::string(1000, '\x5a'), "not a usable GGUF model"},
                    BadFile{"text.gguf", "hello, I am not a model\n", "not a usable GGUF model"}),
    [](const auto& param_info) { return param_info.param.name.substr(0, param_info.param.name.find('.')); });

TEST(CliInfo, MissingModelFlagIsAUsageError) {
    const auto r = run_command(built_binary("arbiter") + " info");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--model"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace arbiter
