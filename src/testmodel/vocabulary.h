#pragma once
// The BPE vocabularies of the generated models, in the GGUF form of the real gpt-oss conversions
// (tokenizer model "gpt2", pre-tokenizer "gpt-4o"), every harmony special one CONTROL token:
//   - bytes: the 256 byte tokens and merges for common English words, specials right after them;
//     tiny models, but English takes about 2.6 times the real tokenizer's tokens;
//   - o200k: o200k_harmony itself, the tokenizer of gpt-oss (201,088 ids; see o200k_ranks.h).

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::testmodel {

enum class VocabularyKind { bytes, o200k };

// GGUF token types, as llama.cpp reads tokenizer.ggml.token_type.
enum class TokenType : int32_t { normal = 1, control = 3 };

struct Vocabulary {
    std::vector<std::string> tokens;  // GPT-2 byte-symbol text, indexed by id
    std::vector<TokenType> types;
    std::vector<std::string> merges;  // "left right" in byte-symbol text, in rank order
};

// o200k_harmony's specials: ids 199998 to 201087, after o200k_base's ranks.
inline constexpr int32_t kO200kFirstSpecial = 199998;

// The text of o200k_harmony's special `id`: a harmony special, <|endofprompt|> (o200k_base's own,
// which harmony does not use), or <|reserved_N|>.
std::string o200k_special_text(int32_t id);

// GPT-2's reversible map of a byte to a printable code point, as UTF-8.
std::string byte_symbol(uint8_t byte);
// `bytes` in those symbols: how GGUF spells a byte-level BPE token.
std::string byte_symbols(std::string_view bytes);

Vocabulary byte_vocabulary();
// o200k_harmony from o200k_base's byte sequences in rank order (read_o200k_ranks).
Vocabulary o200k_vocabulary(const std::vector<std::string>& ranks);

// The vocabulary of that kind; o200k reads its ranks from `ranks` (throws std::runtime_error).
Vocabulary build_vocabulary(VocabularyKind kind, const std::filesystem::path& ranks);

}  // namespace arbiter::testmodel
