#pragma once
// Turns rendered harmony prompts into token ids, keeping content data: special pieces are looked
// up by their exact text among the model's control tokens, and text pieces can never produce a
// special token, so "<|start|>" typed into content stays ordinary characters.
//
// Turning llama.cpp's special-token parsing off is not enough: its tokenizer still matches
// USER_DEFINED tokens in plain text, and on load it makes <|start|>, <|channel|>, <|message|> and
// <|constrain|> USER_DEFINED for gpt-oss. So text is cut inside every occurrence of such a
// token's text before tokenizing, and the result is checked to hold no special token at all.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "harmony/prompt.h"
#include "harmony/tokenizer.h"
#include "llama.h"

namespace arbiter::engine {

class PromptTokens : public harmony::Tokenizer {
public:
    // Resolves every harmony special; throws ModelFileError if one is not a single control token.
    explicit PromptTokens(const llama_vocab* vocab);

    std::vector<llama_token> tokenize(const harmony::Prompt& prompt) const override;
    // Ordinary text, never producing a special token.
    std::vector<llama_token> tokenize_text(std::string_view text) const override;
    // The id of a harmony special token (e.g. harmony::kEnd).
    llama_token special(std::string_view token_text) const override;
    // The harmony special `id` stands for, or empty when it is none of them.
    std::string_view special_text(llama_token id) const;
    // The bytes a token stands for (special tokens as their text).
    std::string piece(llama_token id) const override;
    int32_t vocabulary_size() const override;

private:
    const llama_vocab* vocab_;
    std::vector<std::string> matched_in_text_;  // texts llama.cpp matches even in plain text
    std::unordered_map<std::string, llama_token> ids_;
    std::unordered_map<llama_token, std::string> texts_;
};

}  // namespace arbiter::engine
