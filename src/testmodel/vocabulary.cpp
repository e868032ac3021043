#include "testmodel/vocabulary.h"

#include "harmony/special_tokens.h"
#include "testmodel/o200k_ranks.h"

namespace arbiter::testmodel {

namespace {

constexpr int32_t kEndOfPromptId = 200018;

// GPT-2's byte-to-symbol map: printable Latin-1 bytes map to themselves, the rest to 256+n.
std::u32string byte_code_points() {
    std::u32string map(256, U'\0');
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        map[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
    }
    return map;
}

std::string utf8(char32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else {
        // The map's code points are all below U+0800.
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

}  // namespace

std::string o200k_special_text(int32_t id) {
    for (const harmony::SpecialToken& special : harmony::kSpecialTokens) {
        if (special.o200k_id == id) return std::string(special.text);
    }
    if (id == kEndOfPromptId) return "<|endofprompt|>";
    return "<|reserved_" + std::to_string(id) + "|>";
}

std::string byte_symbol(uint8_t byte) {
    static const std::u32string map = byte_code_points();
    return utf8(map[byte]);
}

std::string byte_symbols(std::string_view bytes) {
    std::string out;
    for (const char c : bytes) out += byte_symbol(static_cast<uint8_t>(c));
    return out;
}

Vocabulary build_vocabulary(VocabularyKind kind, const std::filesystem::path& ranks) {
    return kind == VocabularyKind::o200k ? o200k_vocabulary(read_o200k_ranks(ranks)) : byte_vocabulary();
}

}  // namespace arbiter::testmodel
