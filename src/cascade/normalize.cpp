#include "cascade/normalize.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "core/utf8.h"

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

// ASCII needs only case folding and whitespace collapsing: the common case, kept fast.
std::string normalize_ascii(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool space = false;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : static_cast<char>(c));
    }
    return out;
}

}  // namespace

std::string normalize(std::string_view text) {
    bool ascii = true;
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) {
            ascii = false;
            break;
        }
    }
    if (ascii) return normalize_ascii(text);

    const std::string valid = valid_utf8(text);
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                     static_cast<utf8proc_ssize_t>(valid.size()), &mapped,
                     static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                                                    UTF8PROC_STRIPMARK | UTF8PROC_IGNORE));
    if (n < 0) return normalize_ascii(valid);  // cannot happen after valid_utf8; never fail open
    const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(mapped, &std::free);

    std::string out;
    out.reserve(static_cast<size_t>(n));
    bool space = false;
    utf8proc_ssize_t pos = 0;
    while (pos < n) {
        utf8proc_int32_t cp = 0;
        const utf8proc_ssize_t len = utf8proc_iterate(mapped + pos, n - pos, &cp);
        if (len <= 0) break;
        pos += len;
        const auto c = static_cast<char32_t>(cp);
        if (utf8proc_category(cp) == UTF8PROC_CATEGORY_CF) continue;
        if (is_space(c)) {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        utf8proc_uint8_t buf[4];
        const utf8proc_ssize_t w =
            utf8proc_encode_char(static_cast<utf8proc_int32_t>(fold_lookalike(c)), buf);
        out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(w));
    }
    return out;
}

}  // namespace arbiter::cascade
