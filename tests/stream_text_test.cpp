// Stream tokenization: whatever the chunking, the committed tokens plus a check's probe equal
// tokenizing the whole message cut at the check, and the message is the one-shot layout's.

#include "harmony/stream_text.h"

#include <gtest/gtest.h>

#include <random>

#include "core/content_layout.h"
#include "core/stream.h"
#include "llama/model.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using harmony::StreamText;

// Text that exercises the pre-tokenizer: spaces, line breaks (escaped in JSON), punctuation
// runs, quotes and backslashes, contractions, numbers, multi-byte characters, emoji, and the
// texts of harmony special tokens.
std::string tricky_response(size_t pieces, uint32_t seed) {
    static const char* const kPieces[] = {
        "Hello",     " world", ",",          " it's",        " don't",   " 3.14159", "\n",      "\n\n",
        "  ",        "\t",     "\"quoted\"", " back\\slash", " café",    " naïve",   " 日本語", " 🙂",
        "!!!",       "?",      " <|start|>", "<|end|>",      " e\u0301", " UPPER",   "lower",   "'s",
        " 12345678", " --",    " (x)",       " {\"a\": 1}",  "\u00a0",   " "};
    std::mt19937 rng(seed);
    std::string out;
    for (size_t i = 0; i < pieces; ++i) out += kPieces[rng() % std::size(kPieces)];
    return out;
}

void check_chunking(const engine::PromptTokens& tokens, const std::string& prompt,
                    const std::string& response, uint32_t seed, size_t max_chunk) {
    StreamText text(tokens, Content::completion(prompt, ""));
    std::vector<llama_token> committed = text.commit();
    std::mt19937 rng(seed);
    for (size_t at = 0; at < response.size();) {
        const size_t n = std::min(response.size() - at, 1 + rng() % max_chunk);
        text.append(std::string_view(response).substr(at, n));
        at += n;
        const std::vector<llama_token> more = text.commit();
        committed.insert(committed.end(), more.begin(), more.end());
        ASSERT_EQ(text.committed_tokens(), static_cast<int>(committed.size()));

        // The check point is the last whole character: a split one waits for its other bytes.
        const size_t cut = text.checkable_bytes();
        ASSERT_LE(cut, at);
        ASSERT_GT(cut + 4, at);
        const std::string whole = user_message(Content::completion(prompt, response.substr(0, cut)));
        ASSERT_EQ(text.message(), whole) << "at " << at;
        std::vector<llama_token> ids = committed;
        const std::vector<llama_token> probe = text.probe_tokens();
        ids.insert(ids.end(), probe.begin(), probe.end());
        ASSERT_EQ(ids, tokens.tokenize_text(whole)) << "cut at byte " << cut << " of " << response.size();
    }
    EXPECT_EQ(text.checkable_bytes(), response.size());
    // Far more of the text is committed than waits for later text.
    EXPECT_GT(text.committed_tokens(), static_cast<int>(text.probe_tokens().size()) * 4);
}

TEST(StreamText, TokensEqualWholeTextTokenizationWithTheRealTokenizer) {
    const auto model = engine::Model::load(test::tiny_o200k_model(), {.vocab_only = true});
    for (uint32_t seed = 1; seed <= 6; ++seed) {
        const std::string response = tricky_response(120, seed);
        check_chunking(model->tokens(), "Tell me \"something\"", response, seed, seed <= 2 ? 1 : 13);
    }
}

TEST(StreamText, TokensEqualWholeTextTokenizationWithTheByteVocabulary) {
    const auto model = engine::Model::load(test::tiny_model(), {.vocab_only = true});
    for (uint32_t seed = 1; seed <= 3; ++seed) {
        check_chunking(model->tokens(), "hi", tricky_response(80, seed), seed, 7);
    }
}

TEST(StreamText, AConversationGrowsItsLastTurn) {
    const auto model = engine::Model::load(test::tiny_o200k_model(), {.vocab_only = true});
    const std::vector<Turn> turns = {{"user", "hi"}, {"assistant", "Hello"}};
    StreamText text(model->tokens(), Content::conversation(turns));
    text.append(", how can I help?");
    std::vector<Turn> grown = turns;
    grown.back().content = "Hello, how can I help?";
    EXPECT_EQ(text.message(), user_message(Content::conversation(grown)));
}

TEST(StreamText, RefusesInvalidUtf8AndPlainMessages) {
    const auto model = engine::Model::load(test::tiny_o200k_model(), {.vocab_only = true});
    StreamText text(model->tokens(), Content::completion("p", ""));
    text.append("ok \xE6\x97");  // a character cut in two: it waits
    EXPECT_EQ(text.checkable_bytes(), 3u);
    text.append("\xA5");
    EXPECT_EQ(text.checkable_bytes(), 6u);
    EXPECT_THROW(text.append("\xFF"), StreamError);
    EXPECT_THROW(text.append("\xC3("), StreamError);
    EXPECT_EQ(text.appended_bytes(), 6u);
    EXPECT_THROW(StreamText(model->tokens(), Content::message("x")), StreamError);
}

}  // namespace
}  // namespace arbiter
