#include "harmony/text_cuts.h"

#include <utf8proc.h>

#include <algorithm>

#include "core/utf8.h"

namespace arbiter::harmony {

namespace {

// The code point that starts at `at` (a character boundary), or U+FFFD for bytes that are not
// UTF-8.
char32_t code_point_at(std::string_view text, size_t at) {
    utf8proc_int32_t cp = 0xFFFD;
    const utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + at),
                                                static_cast<utf8proc_ssize_t>(text.size() - at), &cp);
    return n > 0 ? static_cast<char32_t>(cp) : U'\uFFFD';
}

bool continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Unicode's White_Space property: what \s means to tiktoken's regex engine and to llama.cpp.
bool white_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

bool mark(char32_t c) {
    const utf8proc_category_t category = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
           category == UTF8PROC_CATEGORY_ME;
}

// Unassigned in utf8proc's Unicode, which can be older than the tokenizer's (Debian 12's utf8proc
// is Unicode 15.0, llama.cpp's patched table 17.0): such a character may be a letter or a mark
// to the tokenizer.
bool unknown(char32_t c) {
    return utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_CN;
}

// Whether o200k's pre-tokenizer pattern starts a new piece at `at` (a character boundary inside
// `text`), whatever precedes and follows: then cutting there changes no token. A piece holds a
// space after its first character only when it is all whitespace; line breaks end a piece unless
// more whitespace follows, or a slash after punctuation (" ?[^\s\p{L}\p{N}]+[\r\n/]*" takes
// ";\n//"); and a word or number ends at anything else but a mark (part of a word) or an
// apostrophe (its contraction, "'s").
bool starts_a_piece(std::string_view text, size_t at) {
    size_t before = at - 1;
    while (before > 0 && continuation_byte(text[before])) --before;
    const char32_t previous = code_point_at(text, before);
    const char32_t next = code_point_at(text, at);
    if (next == U' ') return !white_space(previous);
    if (previous == U'\n') return !white_space(next) && next != U'/';
    return is_letter_or_number(previous) && !is_letter_or_number(next) && !mark(next) && !white_space(next) &&
           next != U'\'' && !unknown(next);
}

// Where to end a piece that starts at `from`: the last place within kMaxTextPiece bytes where a
// piece of the pre-tokenizer starts, else the last character boundary.
size_t piece_end(std::string_view text, size_t from) {
    if (text.size() - from <= kMaxTextPiece) return text.size();
    const size_t limit = from + kMaxTextPiece;
    for (size_t p = limit; p > from + 1; --p) {
        if (!continuation_byte(text[p]) && starts_a_piece(text, p)) return p;
    }
    size_t p = limit;
    while (p > from + 1 && continuation_byte(text[p])) --p;
    return p;
}

}  // namespace

size_t last_piece_start(std::string_view text, size_t from) {
    // The end itself is excluded: whether a piece starts there depends on what follows.
    for (size_t p = text.size(); p-- > from + 1;) {
        if (!continuation_byte(text[p]) && starts_a_piece(text, p)) return p;
    }
    return from;
}

std::vector<std::string_view> cut_text(std::string_view text, const std::vector<std::string>& matched) {
    // Cut strictly inside every occurrence, overlapping ones too.
    std::vector<size_t> cuts;
    for (const std::string& t : matched) {
        if (t.size() < 2) continue;  // a one-byte text cannot be cut inside
        for (size_t at = text.find(t); at != std::string_view::npos; at = text.find(t, at + 1)) {
            cuts.push_back(at + std::min<size_t>(2, t.size() - 1));
        }
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    cuts.push_back(text.size());

    std::vector<std::string_view> pieces;
    size_t from = 0;
    for (size_t cut : cuts) {
        const std::string_view part = text.substr(from, cut - from);
        for (size_t start = 0; start < part.size();) {
            const size_t end = piece_end(part, start);
            pieces.push_back(part.substr(start, end - start));
            start = end;
        }
        from = cut;
    }
    return pieces;
}

}  // namespace arbiter::harmony
