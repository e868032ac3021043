// The gpt-oss-20b preset as `arbiter info` reports it: real widths and o200k_harmony ids.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::run_command;

// The real gpt-oss-20b widths and token ids, cut to one layer (about 1.7 GB on disk).
TEST(CliInfo, Gpt20bPresetHasRealShapeAndIds) {
    const auto model = test::scratch_dir() / "20b-1layer.gguf";
    const auto gen = run_command(built_binary("arbiter-testmodel") +
                                 " --preset gpt-oss-20b --layers 1 --out '" + model.string() + "'");
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    const auto r = run_command(built_binary("arbiter") + " info --json --model '" + model.string() + "'");
    std::filesystem::remove(model);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["n_embd"], 2880);
    EXPECT_EQ(j["experts"], 32);
    EXPECT_EQ(j["experts_used"], 4);
    EXPECT_EQ(j["vocabulary"], 201088);
    EXPECT_EQ(j["layers"], 1);
    EXPECT_EQ(j["heads"], 64);
    EXPECT_EQ(j["kv_heads"], 8);
    EXPECT_EQ(j["special_tokens"]["<|return|>"], 200002);
    EXPECT_EQ(j["special_tokens"]["<|start|>"], 200006);
    EXPECT_EQ(j["special_tokens"]["<|call|>"], 200012);
    EXPECT_EQ(j["special_tokens"]["<|startoftext|>"], 199998);
}

}  // namespace
}  // namespace arbiter
