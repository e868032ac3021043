// The generated test models: deterministic, small, and real gpt-oss models to llama.cpp.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <vector>

#include "harmony/special_tokens.h"
#include "llama.h"
#include "support/test_model.h"
#include "testmodel/gguf_model_writer.h"
#include "testmodel/vocabulary.h"

namespace arbiter {
namespace {

std::vector<char> read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct LlamaModel {
    explicit LlamaModel(const std::filesystem::path& path) {
        llama_backend_init();
        llama_log_set([](ggml_log_level, const char*, void*) {}, nullptr);
        model = llama_model_load_from_file(path.c_str(), llama_model_default_params());
    }
    ~LlamaModel() {
        if (model) llama_model_free(model);
    }
    llama_model* model = nullptr;
};

TEST(TestModel, TinyIsSmallAndDeterministic) {
    const auto& a = test::tiny_model();
    EXPECT_LT(std::filesystem::file_size(a), 2u * 1024 * 1024);
    const auto b = test::scratch_dir() / "tiny-again.gguf";
    const auto c = test::scratch_dir() / "tiny-seed7.gguf";
    testmodel::write_model(testmodel::preset("tiny"), 42, b);
    testmodel::write_model(testmodel::preset("tiny"), 7, c);
    EXPECT_EQ(read_bytes(a), read_bytes(b));
    EXPECT_NE(read_bytes(a), read_bytes(c));
}

TEST(TestModel, UnknownPresetIsRejected) {
    EXPECT_THROW(testmodel::preset("gpt-oss-999b"), std::invalid_argument);
}

TEST(TestModel, VocabularyHasEachSpecialOnceAtRealIds) {
    const testmodel::Vocabulary v = testmodel::build_vocabulary(true);
    ASSERT_EQ(v.tokens.size(), static_cast<size_t>(harmony::kVocabularySize));
    for (const harmony::SpecialToken& s : harmony::kSpecialTokens) {
        EXPECT_EQ(v.tokens[static_cast<size_t>(s.o200k_id)], s.text);
        EXPECT_EQ(std::count(v.tokens.begin(), v.tokens.end(), std::string(s.text)), 1) << s.text;
    }
    EXPECT_EQ(v.tokens[200001], "<|reserved_200001|>");
}

TEST(TestModel, LlamaLoadsTinyAndSpecialsAreSingleTokens) {
    LlamaModel m(test::tiny_model());
    ASSERT_NE(m.model, nullptr);
    const llama_vocab* vocab = llama_model_get_vocab(m.model);
    EXPECT_EQ(llama_model_n_embd(m.model), 64);
    EXPECT_EQ(llama_model_n_layer(m.model), 2);
    for (const harmony::SpecialToken& s : harmony::kSpecialTokens) {
        llama_token ids[8];
        const int n = llama_tokenize(vocab, s.text.data(), static_cast<int32_t>(s.text.size()), ids, 8,
                                     /*add_special=*/false, /*parse_special=*/true);
        EXPECT_EQ(n, 1) << s.text;
    }
    EXPECT_TRUE(llama_vocab_is_eog(vocab, llama_vocab_eos(vocab)));

    // Merges make English text shorter in tokens than in bytes.
    const std::string text = "the policy says that this content is safe";
    std::vector<llama_token> ids(text.size() + 8);
    const int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                                 static_cast<int32_t>(ids.size()), false, false);
    EXPECT_GT(n, 0);
    EXPECT_LT(n, static_cast<int>(text.size()) / 2);
}

TEST(TestModel, TinyDecodesToFiniteLogits) {
    LlamaModel m(test::tiny_model());
    ASSERT_NE(m.model, nullptr);
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 256;
    cp.n_threads = 1;
    llama_context* ctx = llama_init_from_model(m.model, cp);
    ASSERT_NE(ctx, nullptr);
    const llama_vocab* vocab = llama_model_get_vocab(m.model);
    // Longer than the sliding window (16), so both attention kinds are exercised.
    const std::string text =
        "<|start|>user<|message|>hello there, is this message against the policy or not?<|end|>";
    std::vector<llama_token> ids(text.size());
    const int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                                 static_cast<int32_t>(ids.size()), false, true);
    ASSERT_GT(n, 16);
    ASSERT_EQ(llama_decode(ctx, llama_batch_get_one(ids.data(), n)), 0);
    const float* logits = llama_get_logits_ith(ctx, -1);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    float spread = 0;
    for (int i = 0; i < n_vocab; ++i) {
        ASSERT_TRUE(std::isfinite(logits[i])) << "token " << i;
        spread = std::max(spread, std::fabs(logits[i] - logits[0]));
    }
    EXPECT_GT(spread, 0.0f) << "random weights should not give flat logits";
    llama_free(ctx);
}

}  // namespace
}  // namespace arbiter
