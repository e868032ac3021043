#pragma once
// A byte-level BPE vocabulary in the GGUF form of the real gpt-oss conversions (tokenizer model
// "gpt2", pre-tokenizer "gpt-4o"), with every harmony special token as one token.

#include <cstdint>
#include <string>
#include <vector>

namespace arbiter::testmodel {

// GGUF token types, as llama.cpp reads tokenizer.ggml.token_type.
enum class TokenType : int32_t { normal = 1, control = 3, unused = 5 };

struct Vocabulary {
    std::vector<std::string> tokens;  // GPT-2 byte-symbol text, indexed by id
    std::vector<TokenType> types;
    std::vector<std::string> merges;  // "left right", in rank order
};

// The 256 byte tokens, then merges that spell common English words (so that prompts take
// fewer tokens than bytes), then the special tokens. With `real_ids` the vocabulary is padded
// with unreachable tokens so that the specials sit at their o200k_harmony ids; otherwise they
// follow the merges in the same relative layout.
Vocabulary build_vocabulary(bool real_ids);

// GPT-2's reversible map of a byte to a printable code point, as UTF-8.
std::string byte_symbol(uint8_t byte);

}  // namespace arbiter::testmodel
