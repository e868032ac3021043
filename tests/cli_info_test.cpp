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
