// The generated test models: deterministic, small, and real gpt-oss models to llama.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <future>
#include <iterator>
#include <vector>

#include "core/policy_file.h"
#include "harmony/special_tokens.h"
#include "llama/embedded_engine.h"
#include "llama/model.h"
#include "support/test_model.h"
#include "testmodel/gguf_model_writer.h"
#include "testmodel/model_spec.h"
#include "testmodel/o200k_ranks.h"
#include "testmodel/rank_merges.h"
#include "testmodel/vocabulary.h"

namespace arbiter {
namespace {

std::vector<char> read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(TestModel, TinyIsSmallAndDeterministic) {
    const auto& a = test::tiny_model();
    EXPECT_LT(std::filesystem::file_size(a), 2u * 1024 * 1024);
    const auto b = test::scratch_dir() / "tiny-again.gguf";
    const auto c = test::scratch_dir() / "tiny-seed7.gguf";
    const testmodel::Vocabulary bytes = testmodel::byte_vocabulary();
    testmodel::write_model(testmodel::preset("tiny"), bytes, 42, b);
    testmodel::write_model(testmodel::preset("tiny"), bytes, 7, c);
    EXPECT_EQ(read_bytes(a), read_bytes(b));
    EXPECT_NE(read_bytes(a), read_bytes(c));
}

// The preset against OpenAI's published config.json of gpt-oss-20b (hidden_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads, head_dim, num_local_experts, num_experts_per_tok,
// intermediate_size, sliding_window, rope_theta, rope_scaling, initial_context_length).
TEST(TestModel, Gpt20bPresetHasThePublishedShape) {
    const testmodel::ModelSpec s = testmodel::preset("gpt-oss-20b");
    EXPECT_EQ(s.n_embd, 2880u);
    EXPECT_EQ(s.n_layer, 24u);
    EXPECT_EQ(s.n_head, 64u);
    EXPECT_EQ(s.n_head_kv, 8u);
    EXPECT_EQ(s.head_dim, 64u);
    EXPECT_EQ(s.n_expert, 32u);
    EXPECT_EQ(s.n_expert_used, 4u);
    EXPECT_EQ(s.n_ff_exp, 2880u);
    EXPECT_EQ(s.sliding_window, 128u);
    EXPECT_FLOAT_EQ(s.rope_freq_base, 150000.0f);
    EXPECT_FLOAT_EQ(s.yarn_factor, 32.0f);
    EXPECT_EQ(s.yarn_original_context, 4096u);
    EXPECT_EQ(s.vocabulary, testmodel::VocabularyKind::o200k);
    EXPECT_EQ(testmodel::preset("tiny").vocabulary, testmodel::VocabularyKind::bytes);
}

TEST(TestModel, UnknownPresetIsRejected) {
    EXPECT_THROW(testmodel::preset("gpt-oss-999b"), std::invalid_argument);
}

const testmodel::Vocabulary& o200k() {
    static const testmodel::Vocabulary v =
        testmodel::o200k_vocabulary(testmodel::read_o200k_ranks(testmodel::default_o200k_ranks_path()));
    return v;
}

// o200k_harmony as tiktoken defines it (tiktoken_ext/openai_public.py) and the published GGUF
// conversions hold it: o200k_base's ranks, then every special, CONTROL, at its id.
TEST(TestModel, O200kVocabularyHasEverySpecialAtItsRealId) {
    const testmodel::Vocabulary& v = o200k();
    ASSERT_EQ(v.tokens.size(), static_cast<size_t>(harmony::kVocabularySize));
    for (const harmony::SpecialToken& s : harmony::kSpecialTokens) {
        EXPECT_EQ(v.tokens[static_cast<size_t>(s.o200k_id)], s.text);
        EXPECT_EQ(std::count(v.tokens.begin(), v.tokens.end(), std::string(s.text)), 1) << s.text;
    }
    EXPECT_EQ(v.tokens[200018], "<|endofprompt|>");
    EXPECT_EQ(v.tokens[200001], "<|reserved_200001|>");
    EXPECT_EQ(v.tokens[201087], "<|reserved_201087|>");
    for (size_t id = 0; id < v.types.size(); ++id) {
        const auto want =
            id < testmodel::kO200kRanks ? testmodel::TokenType::normal : testmodel::TokenType::control;
        ASSERT_EQ(v.types[id], want) << id;
    }
    // Token text in GPT-2's byte symbols: rank 0 is "!", and a space is "Ġ".
    EXPECT_EQ(v.tokens[0], "!");
    EXPECT_EQ(std::count(v.tokens.begin(), v.tokens.end(), "\xC4\xA0the"), 1);
}

TEST(TestModel, O200kMergesFormEveryLongerTokenInRankOrder) {
    const std::vector<std::string> ranks = testmodel::read_o200k_ranks(testmodel::default_o200k_ranks_path());
    const size_t longer = static_cast<size_t>(
        std::count_if(ranks.begin(), ranks.end(), [](const std::string& t) { return t.size() > 1; }));
    EXPECT_EQ(longer, testmodel::kO200kRanks - 256);  // every byte once, the rest longer
    const testmodel::Vocabulary& v = o200k();
    ASSERT_EQ(v.merges.size(), longer);
    // The i-th merge forms the i-th longer token.
    size_t m = 0;
    for (size_t id = 0; id < testmodel::kO200kRanks && m < v.merges.size(); ++id) {
        if (ranks[id].size() < 2) continue;
        std::string joined = v.merges[m++];
        joined.erase(joined.find(' '), 1);
        ASSERT_EQ(joined, v.tokens[id]) << "merge " << m - 1;
    }
}

TEST(TestModel, MergesComeFromBpeOverLowerRanks) {
    using Merges = std::vector<std::pair<std::string, std::string>>;
    // "abc": of its pairs, "ab" (rank 3) ranks below "bc" (4), so BPE ends with ab + c.
    EXPECT_EQ(testmodel::merges_from_ranks({"a", "b", "c", "ab", "bc", "abc"}),
              (Merges{{"a", "b"}, {"b", "c"}, {"ab", "c"}}));
    EXPECT_EQ(testmodel::merges_from_ranks({"a", "b", "c", "bc", "ab", "abc"}),
              (Merges{{"b", "c"}, {"a", "b"}, {"a", "bc"}}));
    // A longer token ranked below its own parts is not a BPE.
    EXPECT_THROW(testmodel::merges_from_ranks({"a", "b", "c", "abc", "ab"}), std::invalid_argument);
}

TEST(TestModel, MissingRanksFileSaysHowToFetchIt) {
    try {
        testmodel::read_o200k_ranks(test::scratch_dir() / "no-such-ranks.js");
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("scripts/fetch-tiktoken"), std::string::npos) << e.what();
    }
    const std::string fake =
        test::write_file("fake-ranks.js", "export default {\"bpe_ranks\": \"! 0 IQ==\"};\n");
    EXPECT_THROW(testmodel::read_o200k_ranks(fake), std::runtime_error);
}

TEST(TestModel, LlamaLoadsTinyAndSpecialsAreSingleTokens) {
    // Model::load opens the file with llama.cpp and resolves every harmony special as a single
    // control token (it throws otherwise).
    const auto model = engine::Model::load(test::tiny_model(), {.vocab_only = true});
    for (const harmony::SpecialToken& s : harmony::kSpecialTokens) {
        EXPECT_EQ(model->tokens().special_text(model->tokens().special(s.text)), s.text);
    }
    // Merges make English text shorter in tokens than in bytes.
    const std::string text = "the policy says that this content is safe";
    const size_t n = model->tokens().tokenize_text(text).size();
    EXPECT_GT(n, 0u);
    EXPECT_LT(n, text.size() / 2);
}

TEST(TestModel, TinyGivesDifferentFiniteScoresToDifferentContent) {
    engine::EngineOptions o;
    o.model = test::tiny_model();
    o.threads = 1;
    o.parallel = 1;
    o.context = 1024;
    engine::EmbeddedEngine engine(o);
    const auto policy = std::make_shared<const Policy>(parse_policy("Flag scams.", "scam.md"));
    std::vector<double> scores;
    // Longer than the sliding window (16), so both attention kinds are exercised.
    for (const char* text :
         {"hello there, is this message against the policy or not?", "wire me the money now"}) {
        Job job;
        job.policy = policy;
        job.content = Content::message(text);
        job.mode = Mode::score;
        std::promise<Verdict> done;
        engine.submit(job, [&](Verdict v) { done.set_value(std::move(v)); });
        const Verdict v = done.get_future().get();
        ASSERT_EQ(v.status, VerdictStatus::ok) << v.error;
        ASSERT_TRUE(std::isfinite(*v.probability));
        EXPECT_GT(*v.probability, 0.0);
        EXPECT_LT(*v.probability, 1.0);
        scores.push_back(*v.probability);
    }
    EXPECT_NE(scores[0], scores[1]) << "random weights should not give the same score to any content";
}

}  // namespace
}  // namespace arbiter
