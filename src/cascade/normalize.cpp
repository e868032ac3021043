#include "cascade/normalize.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace arbiter::cascade {

namespace {

// Look-alikes of Latin letters (after case folding), from Unicode's confusables for the scripts
// most used to dodge filters. NFKC already folds fullwidth and mathematical forms.
char32_t fold_lookalike(char32_t c) {
    switch (c) {
    // Cyrillic
    case U'а':
        return U'a';
    case U'в':
        return U'b';
    case U'е':
    case U'ё':
    case U'є':
        return U'e';
    case U'к':
        return U'k';
    case U'м':
        return U'm';
    case U'н':
    case U'һ':
        return U'h';
    case U'о':
        return U'o';
    case U'р':
        return U'p';
    case U'с':
        return U'c';
    case U'т':
        return U't';
    case U'у':
        return U'y';
    case U'х':
        return U'x';
    case U'ѕ':
        return U's';
    case U'і':
    case U'ї':
    case U'ӏ':
        return U'i';
    case U'ј':
        return U'j';
    case U'ԁ':
        return U'd';
    case U'ԛ':
        return U'q';
    case U'ԝ':
        return U'w';
    case U'ɡ':
        return U'g';
    // Greek
    case U'α':
        return U'a';
    case U'β':
        return U'b';
    case U'ε':
        return U'e';
    case U'η':
        return U'n';
    case U'ι':
        return U'i';
    case U'κ':
        return U'k';
    case U'ν':
        return U'v';
    case U'ο':
        return U'o';
    case U'ρ':
        return U'p';
    case U'τ':
        return U't';
    case U'υ':
        return U'u';
    case U'χ':
        return U'x';
    case U'ω':
        return U'w';
    // Latin variants NFKC keeps
    case U'ı':
        return U'i';
    case U'ȷ':
        return U'j';
    case U'ø':
        return U'o';
    case U'ł':
        return U'l';
    case U'đ':
        return U'd';
    default:
        return c;
    }
}

bool is_space(char32_t c) {
    return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\v' || c == U'\f' ||
           utf8proc_category(static_cast<utf8proc_int32_t>(c)) == UTF8PROC_CATEGORY_ZS;
}

// What each byte becomes on the ASCII path: upper case folded to lower case, whitespace to a
// space, every other ASCII byte itself. kNotAscii marks the lead and continuation bytes of
// UTF-8, which take the per-code-point path.
constexpr char kNotAscii = '\x80';
constexpr std::array<char, 256> kAsciiFold = [] {
    std::array<char, 256> t{};
    for (int c = 0; c < 0x80; ++c) t[static_cast<size_t>(c)] = static_cast<char>(c);
    for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = static_cast<char>(c + ('a' - 'A'));
    for (const char c : {'\t', '\n', '\v', '\f', '\r'}) t[static_cast<unsigned char>(c)] = ' ';
    for (int c = 0x80; c < 0x100; ++c) t[static_cast<size_t>(c)] = kNotAscii;
    return t;
}();

bool is_hangul_syllable(char32_t c) {
    return c >= 0xAC00 && c <= 0xD7A3;
}

// Eight bytes at once (SWAR), for the common case: printable ASCII with no two spaces in a row,
// where the only change is upper case to lower case. Writes them and returns true, or returns
// false (and writes nothing) for the byte-at-a-time path.
bool plain_block(const unsigned char* bytes, bool& last_space, char* out) {
    static_assert(std::endian::native == std::endian::little, "byte order of the masks below");
    constexpr uint64_t kOnes = 0x0101010101010101;
    constexpr uint64_t kHigh = 0x8080808080808080;
    uint64_t w = 0;
    std::memcpy(&w, bytes, 8);
    if ((w & kHigh) != 0) return false;  // non-ASCII
    // With every byte below 0x80, adding to a byte cannot carry into the next one.
    const uint64_t control = (w - kOnes * 0x20) & ~w & kHigh;  // bytes below 0x20: \t, \n, ...
    const uint64_t spaces = ~((w ^ (kOnes * 0x20)) + kOnes * 0x7f) & kHigh;
    const uint64_t repeated = spaces & ((spaces << 8) | (last_space ? 0x80 : 0));
    if ((control | repeated) != 0) return false;
    const uint64_t upper = (w + kOnes * (0x80 - 'A')) & ~(w + kOnes * (0x80 - 'Z' - 1)) & kHigh;
    w |= upper >> 2;  // 0x80 >> 2 is the case bit 0x20
    std::memcpy(out, &w, 8);
    last_space = (spaces >> 63) != 0;  // the eighth byte, little-endian
    return true;
}

// The normalised text being written: whitespace runs collapse to one space, none at either end.
// Bytes go into a buffer sized ahead rather than through push_back: this runs on every byte of
// every item.
class Output {
public:
    explicit Output(size_t input_size) : buffer_(input_size + kSlack, '\0') {}

    // ASCII bytes up to the first non-ASCII one; returns how many were consumed. The output
    // never outgrows the input on this path, so one reservation covers the whole run.
    size_t ascii_run(const unsigned char* bytes, size_t n) {
        reserve(n);
        // Locals, not members, in the loops: stores through `out` could alias the members, and
        // the compiler would reload them on every byte.
        char* out = buffer_.data() + length_;
        bool last_space = last_space_;
        size_t i = 0;
        bool ascii = true;
        while (ascii && i < n) {
            if (i + 8 <= n && plain_block(bytes + i, last_space, out)) {
                out += 8;
                i += 8;
                continue;
            }
            for (const size_t stop = std::min(n, i + 8); i < stop; ++i) {
                const char c = kAsciiFold[bytes[i]];
                if (c == kNotAscii) {
                    ascii = false;
                    break;
                }
                const bool space = c == ' ';
                *out = c;
                out += static_cast<size_t>(!(space & last_space));  // a repeated space is overwritten
                last_space = space;
            }
        }
        last_space_ = last_space;
        length_ = static_cast<size_t>(out - buffer_.data());
        return i;
    }

    void code_point(char32_t c) {
        if (c < 0x80) {
            const unsigned char b = static_cast<unsigned char>(c);
            ascii_run(&b, 1);
            return;
        }
        if (is_space(c)) {
            ascii_run(reinterpret_cast<const unsigned char*>(" "), 1);
            return;
        }
        reserve(4);
        length_ += static_cast<size_t>(utf8proc_encode_char(
            static_cast<utf8proc_int32_t>(c), reinterpret_cast<utf8proc_uint8_t*>(buffer_.data() + length_)));
        last_space_ = false;
    }

    std::string take() {
        if (length_ > 0 && buffer_[length_ - 1] == ' ') --length_;
        buffer_.resize(length_);
        return std::move(buffer_);
    }

private:
    static constexpr size_t kSlack = 16;

    void reserve(size_t n) {
        if (length_ + n > buffer_.size()) buffer_.resize(std::max(2 * buffer_.size(), length_ + n));
    }

    std::string buffer_;
    size_t length_ = 0;
    bool last_space_ = true;  // true at the start: no leading space
};

// One non-ASCII code point: its compatibility decomposition, case-folded, without marks and
// ignorable or format characters, look-alikes folded. Per code point rather than NFKC over the
// string: the marks that composition would merge are removed anyway, and ASCII (most of the text)
// never reaches utf8proc.
void normalize_code_point(char32_t c, Output& out) {
    if (is_hangul_syllable(c)) return out.code_point(c);  // already composed; decomposing splits it into jamo
    utf8proc_int32_t parts[32];
    int boundclass = 0;
    const utf8proc_ssize_t n = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(c), parts, 32,
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                       UTF8PROC_STRIPMARK | UTF8PROC_IGNORE),
        &boundclass);
    if (n < 0 || n > 32) return out.code_point(U'\uFFFD');
    for (utf8proc_ssize_t i = 0; i < n; ++i) {
        if (utf8proc_category(parts[i]) == UTF8PROC_CATEGORY_CF) continue;
        out.code_point(fold_lookalike(static_cast<char32_t>(parts[i])));
    }
}

}  // namespace

std::string normalize(std::string_view text) {
    Output out(text.size());
    const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    const size_t size = text.size();
    size_t pos = 0;
    while (pos < size) {
        pos += out.ascii_run(bytes + pos, size - pos);
        if (pos == size) break;
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t len =
            utf8proc_iterate(bytes + pos, static_cast<utf8proc_ssize_t>(size - pos), &cp);
        if (len <= 0) {  // invalid UTF-8: one replacement character per bad byte
            out.code_point(U'\uFFFD');
            ++pos;
            continue;
        }
        pos += static_cast<size_t>(len);
        normalize_code_point(static_cast<char32_t>(cp), out);
    }
    return out.take();
}

}  // namespace arbiter::cascade
