#include "core/utf8.h"

#include <utf8proc.h>

#include <algorithm>

namespace arbiter {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t sequence_length(std::string_view s, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    size_t n = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4;
    else
        return 0;
    if (i + n > s.size()) return 0;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (size_t k = 2; k < n; ++k) {
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    }
    return n;
}

}  // namespace

std::string valid_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (size_t i = 0; i < bytes.size();) {
        const size_t n = sequence_length(bytes, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
        } else {
            out.append(bytes.substr(i, n));
            i += n;
        }
    }
    return out;
}

size_t complete_utf8_prefix(std::string_view bytes) {
    // A lead byte in the last three whose sequence runs past the end, followed only by
    // continuation bytes: the character may still be completed, so it is held back. (A lead byte
    // is never a continuation, so no earlier sequence spans the cut: the decoding before it is
    // the same whatever follows.)
    const size_t from = bytes.size() > 3 ? bytes.size() - 3 : 0;
    for (size_t i = from; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        const size_t need = c >= 0xC2 && c <= 0xDF   ? 2
                            : c >= 0xE0 && c <= 0xEF ? 3
                            : c >= 0xF0 && c <= 0xF4 ? 4
                                                     : 0;
        if (need == 0 || i + need <= bytes.size()) continue;
        bool continuations = true;
        for (size_t k = i + 1; k < bytes.size(); ++k)
            continuations = continuations && (static_cast<unsigned char>(bytes[k]) & 0xC0) == 0x80;
        if (continuations) return i;
    }
    return bytes.size();
}

std::optional<size_t> first_invalid_utf8(std::string_view bytes) {
    for (size_t i = 0; i < bytes.size();) {
        const size_t n = sequence_length(bytes, i);
        if (n == 0) return i;
        i += n;
    }
    return std::nullopt;
}

bool is_letter_or_number(char32_t c) {
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

bool is_printable_ascii(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace arbiter
