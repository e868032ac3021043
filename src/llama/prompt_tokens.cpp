#include "llama/prompt_tokens.h"

#include <algorithm>
#include <stdexcept>

#include "harmony/special_tokens.h"
#include "harmony/text_cuts.h"
#include "llama/model_file.h"

namespace arbiter::engine {

namespace {

std::vector<llama_token> run_tokenizer(const llama_vocab* vocab, std::string_view text, bool parse_special) {
    if (text.size() > static_cast<size_t>(INT32_MAX / 2))
        throw std::length_error("text too long to tokenize");
    std::vector<llama_token> ids(text.size() + 2);
    int n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                           static_cast<int32_t>(ids.size()), /*add_special=*/false, parse_special);
    if (n < 0) {
        ids.resize(static_cast<size_t>(-n));
        n = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), ids.data(),
                           static_cast<int32_t>(ids.size()), false, parse_special);
    }
    if (n < 0) throw std::runtime_error("tokenizer failed");
    ids.resize(static_cast<size_t>(n));
    return ids;
}

constexpr auto kSpecialAttrs =
    LLAMA_TOKEN_ATTR_CONTROL | LLAMA_TOKEN_ATTR_USER_DEFINED | LLAMA_TOKEN_ATTR_UNKNOWN;

}  // namespace

PromptTokens::PromptTokens(const llama_vocab* vocab) : vocab_(vocab) {
    const int32_t n_vocab = llama_vocab_n_tokens(vocab);
    for (llama_token id = 0; id < n_vocab; ++id) {
        if ((llama_vocab_get_attr(vocab, id) & LLAMA_TOKEN_ATTR_USER_DEFINED) != 0) {
            const char* text = llama_vocab_get_text(vocab, id);
            if (text != nullptr && std::string_view(text).size() > 1) matched_in_text_.emplace_back(text);
        }
    }
    for (const harmony::SpecialToken& special : harmony::kSpecialTokens) {
        const std::vector<llama_token> ids = run_tokenizer(vocab, special.text, /*parse_special=*/true);
        const bool control =
            ids.size() == 1 && (llama_vocab_get_attr(vocab, ids[0]) &
                                (LLAMA_TOKEN_ATTR_CONTROL | LLAMA_TOKEN_ATTR_USER_DEFINED)) != 0;
        if (!control) {
            throw ModelFileError("the model's vocabulary has no single control token for " +
                                 std::string(special.text));
        }
        ids_.emplace(special.text, ids[0]);
        texts_.emplace(ids[0], special.text);
    }
}

std::vector<llama_token> PromptTokens::tokenize(const harmony::Prompt& prompt) const {
    std::vector<llama_token> out;
    for (const harmony::Piece& piece : prompt.pieces()) {
        if (piece.special) {
            out.push_back(special(piece.text));
        } else {
            const std::vector<llama_token> ids = tokenize_text(piece.text);
            out.insert(out.end(), ids.begin(), ids.end());
        }
    }
    return out;
}

std::vector<llama_token> PromptTokens::tokenize_text(std::string_view text) const {
    // See harmony/text_cuts.h for why text is handed to the tokenizer in pieces.
    std::vector<llama_token> out;
    for (const std::string_view piece : harmony::cut_text(text, matched_in_text_)) {
        const std::vector<llama_token> ids = run_tokenizer(vocab_, piece, false);
        out.insert(out.end(), ids.begin(), ids.end());
    }
    for (llama_token id : out) {
        if ((llama_vocab_get_attr(vocab_, id) & kSpecialAttrs) != 0) {
            throw std::logic_error("content produced special token " + std::to_string(id) + "; refusing it");
        }
    }
    return out;
}

llama_token PromptTokens::special(std::string_view token_text) const {
    const auto it = ids_.find(std::string(token_text));
    if (it == ids_.end())
        throw std::invalid_argument("not a harmony special token: " + std::string(token_text));
    return it->second;
}

std::string_view PromptTokens::special_text(llama_token id) const {
    const auto it = texts_.find(id);
    return it == texts_.end() ? std::string_view{} : std::string_view(it->second);
}

std::string PromptTokens::piece(llama_token id) const {
    char buffer[256];
    const int n = llama_token_to_piece(vocab_, id, buffer, sizeof buffer, 0, /*special=*/true);
    if (n < 0) {
        std::string big(static_cast<size_t>(-n), '\0');
        const int m = llama_token_to_piece(vocab_, id, big.data(), static_cast<int32_t>(big.size()), 0, true);
        big.resize(static_cast<size_t>(std::max(m, 0)));
        return big;
    }
    return std::string(buffer, static_cast<size_t>(n));
}

int32_t PromptTokens::vocabulary_size() const {
    return llama_vocab_n_tokens(vocab_);
}

}  // namespace arbiter::engine
