#include "harmony/prompt.h"

namespace arbiter::harmony {

void Prompt::special(std::string_view token) {
    pieces_.push_back({std::string(token), true});
}

void Prompt::text(std::string_view text) {
    if (text.empty()) return;
    if (!pieces_.empty() && !pieces_.back().special) {
        pieces_.back().text.append(text);
    } else {
        pieces_.push_back({std::string(text), false});
    }
}

void Prompt::append(const Prompt& other) {
    for (const Piece& p : other.pieces_) {
        if (p.special) {
            special(p.text);
        } else {
            text(p.text);
        }
    }
}

std::string Prompt::str() const {
    std::string out;
    for (const Piece& p : pieces_) out += p.text;
    return out;
}

}  // namespace arbiter::harmony
