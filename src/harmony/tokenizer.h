#pragma once
// A model's tokenizer as the classification protocol needs it: harmony prompts to token ids, with
// content kept data (text never yields a special token), and ids back to bytes. The embedded
// engine has one in its model; remote backends that send token ids load one from the model's
// vocabulary (llama/tokenizer_file.h), so arbiter, not the server, decides every id.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harmony/prompt.h"

namespace arbiter::harmony {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    // The prompt's ids: special pieces by their exact text, text pieces never a special token.
    virtual std::vector<int32_t> tokenize(const Prompt& prompt) const = 0;
    // Ordinary text, never producing a special token.
    virtual std::vector<int32_t> tokenize_text(std::string_view text) const = 0;
    // The id of a harmony special token (e.g. kEnd); throws std::invalid_argument for other text.
    virtual int32_t special(std::string_view token_text) const = 0;
    // The bytes a token stands for (special tokens as their text); `id` must be below
    // vocabulary_size().
    virtual std::string piece(int32_t id) const = 0;
    // Ids run from 0 to this, exclusive.
    virtual int32_t vocabulary_size() const = 0;
};

}  // namespace arbiter::harmony
