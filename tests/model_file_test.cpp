// inspect_model_file: every way a file can be unusable ends in ModelFileError, never a crash.

#include "llama/model_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>

#include "gguf.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using engine::inspect_model_file;
using engine::ModelFileError;

std::filesystem::path write_file(const std::string& name, const std::string& bytes) {
    auto p = test::scratch_dir() / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ModelFile, DescribesTheTinyModel) {
    const engine::ModelFileInfo info = inspect_model_file(test::tiny_model());
    EXPECT_EQ(info.architecture, "gpt-oss");
    EXPECT_EQ(info.n_layer, 2u);
    EXPECT_EQ(info.n_embd, 64u);
    EXPECT_EQ(info.n_expert, 4u);
    EXPECT_EQ(info.n_expert_used, 2u);
    EXPECT_EQ(info.sliding_window, 16u);
    EXPECT_EQ(info.file_type, "MXFP4 MoE");
    EXPECT_TRUE(info.missing_special_tokens.empty());
    EXPECT_EQ(info.special_tokens.size(), 9u);
    EXPECT_GT(info.bytes_by_type.at("mxfp4"), 0u);
    EXPECT_GT(info.bytes_by_type.at("q8_0"), 0u);
    // The specials keep o200k's relative layout: <|return|> two after <|endoftext|>'s successor.
    int32_t end_of_text = -1, ret = -1;
    for (const auto& s : info.special_tokens) {
        if (s.text == "<|endoftext|>") end_of_text = s.id;
        if (s.text == "<|return|>") ret = s.id;
    }
    EXPECT_EQ(ret - end_of_text, 200002 - 199999);
    EXPECT_EQ(info.n_vocab, static_cast<uint32_t>(end_of_text + 1 + 14));
}

TEST(ModelFile, MissingFile) {
    EXPECT_THROW(inspect_model_file(test::scratch_dir() / "nope.gguf"), ModelFileError);
}

TEST(ModelFile, DirectoryIsNotAModel) {
    EXPECT_THROW(inspect_model_file(test::scratch_dir()), ModelFileError);
}

TEST(ModelFile, EmptyAndRandomFiles) {
    EXPECT_THROW(inspect_model_file(write_file("empty.gguf", "")), ModelFileError);
    std::mt19937 rng(1);
    std::string noise(4096, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    EXPECT_THROW(inspect_model_file(write_file("noise.gguf", noise)), ModelFileError);
    // Right magic, garbage after it.
    EXPECT_THROW(inspect_model_file(write_file("magic.gguf", "GGUF" + noise)), ModelFileError);
}

TEST(ModelFile, EveryTruncationIsRejected) {
    const std::string whole = read_all(test::tiny_model());
    // Cut inside the header densely, inside the data sparsely; all must fail cleanly.
    for (size_t cut = 0; cut < whole.size(); cut += (cut < 65536 ? 97 : 40961)) {
        const auto p = write_file("cut.gguf", whole.substr(0, cut));
        EXPECT_THROW(inspect_model_file(p), ModelFileError) << "cut at " << cut;
    }
    EXPECT_NO_THROW(inspect_model_file(write_file("whole.gguf", whole)));
}

TEST(ModelFile, FlippedHeaderBytesAreRejectedOrStillDescribeAGptOssFile) {
    const std::string whole = read_all(test::tiny_model());
    const uint64_t size = std::filesystem::file_size(test::tiny_model());
    std::mt19937 rng(7);
    int rejected = 0, accepted = 0;
    for (int i = 0; i < 300; ++i) {
        std::string damaged = whole;
        const size_t at = rng() % 65536;
        damaged[at] = static_cast<char>(rng());
        const auto p = write_file("flip.gguf", damaged);
        try {
            const engine::ModelFileInfo info = inspect_model_file(p);
            // Accepted: what it promises holds (a gpt-oss file whose tensors lie inside it).
            EXPECT_EQ(info.architecture, "gpt-oss") << "flip at " << at;
            EXPECT_EQ(info.file_size, size);
            uint64_t tensor_bytes = 0;
            for (const auto& [type, bytes] : info.bytes_by_type) tensor_bytes += bytes;
            EXPECT_LE(tensor_bytes, size) << "flip at " << at;
            ++accepted;
        } catch (const ModelFileError& e) {
            EXPECT_NE(std::string(e.what()).find("flip.gguf"), std::string::npos) << e.what();
            ++rejected;
        }
    }
    // Both paths ran: flips in names and weights' bytes are harmless, flips in lengths and types not.
    EXPECT_GT(rejected, 0);
    EXPECT_GT(accepted, 0);
}

TEST(ModelFile, OtherArchitecturesAreRefused) {
    gguf_context* ctx = gguf_init_empty();
    gguf_set_val_str(ctx, "general.architecture", "llama");
    const auto p = test::scratch_dir() / "llama.gguf";
    ASSERT_TRUE(gguf_write_to_file(ctx, p.c_str(), false));
    gguf_free(ctx);
    try {
        inspect_model_file(p);
        FAIL() << "a llama-architecture file was accepted";
    } catch (const ModelFileError& e) {
        EXPECT_NE(std::string(e.what()).find("not gpt-oss"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace arbiter
