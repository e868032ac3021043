#include "harmony/text_cuts.h"

#include <algorithm>

namespace arbiter::harmony {

namespace {

// Where to end a piece that starts at `from`.
size_t piece_end(std::string_view text, size_t from) {
    if (text.size() - from <= kMaxTextPiece) return text.size();
    const size_t limit = from + kMaxTextPiece;
    for (size_t p = limit; p > from + 1; --p) {
        if (text[p] == ' ' && text[p - 1] != ' ' && text[p - 1] != '\n' && text[p - 1] != '\t') return p;
    }
    size_t p = limit;
    while (p > from + 1 && (static_cast<unsigned char>(text[p]) & 0xC0) == 0x80) --p;
    return p;
}

}  // namespace

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
