#include "cascade/normalize.h"

#include <utf8proc.h>

#include <array>

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

// Printable ASCII other than upper-case letters: normalisation leaves it unchanged.
constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x21; c <= 0x7e; ++c) t[static_cast<size_t>(c)] = !(c >= 'A' && c <= 'Z');
    return t;
}();

bool is_hangul_syllable(char32_t c) {
    return c >= 0xAC00 && c <= 0xD7A3;
}

// Appends normalised code points, collapsing whitespace runs to one space.
class Writer {
public:
    explicit Writer(size_t reserve) { out_.reserve(reserve); }

    void ascii(unsigned char c) {
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            space_ = true;
            return;
        }
        flush_space();
        out_.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c));
    }

    void code_point(char32_t c) {
        if (c < 0x80) return ascii(static_cast<unsigned char>(c));
        if (is_space(c)) {
            space_ = true;
            return;
        }
        flush_space();
        utf8proc_uint8_t buf[4];
        const utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buf);
        out_.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(n));
    }

    // Bytes known to pass through unchanged (see kPlain).
    void plain(const char* bytes, size_t n) {
        flush_space();
        out_.append(bytes, n);
    }

    std::string take() { return std::move(out_); }

private:
    void flush_space() {
        if (space_ && !out_.empty()) out_.push_back(' ');
        space_ = false;
    }
    std::string out_;
    bool space_ = false;
};

// One non-ASCII code point: its compatibility decomposition, case-folded, without marks and
// ignorable or format characters, look-alikes folded. Per code point rather than NFKC over the
// string: the marks that composition would merge are removed anyway, and ASCII (most of the text)
// never reaches utf8proc.
void normalize_code_point(char32_t c, Writer& out) {
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
    Writer out(text.size());
    const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
    const auto size = static_cast<utf8proc_ssize_t>(text.size());
    utf8proc_ssize_t pos = 0;
    while (pos < size) {
        if (bytes[pos] < 0x80) {
            // Runs of printable ASCII that is not upper case are copied as they are: most text.
            const utf8proc_ssize_t start = pos;
            while (pos < size && kPlain[bytes[pos]]) ++pos;
            if (pos > start) {
                out.plain(text.data() + start, static_cast<size_t>(pos - start));
                continue;
            }
            out.ascii(bytes[pos++]);
            continue;
        }
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t len = utf8proc_iterate(bytes + pos, size - pos, &cp);
        if (len <= 0) {  // invalid UTF-8: one replacement character per bad byte
            out.code_point(U'\uFFFD');
            ++pos;
            continue;
        }
        pos += len;
        normalize_code_point(static_cast<char32_t>(cp), out);
    }
    return out.take();
}

}  // namespace arbiter::cascade
