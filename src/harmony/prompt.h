#pragma once
// A rendered harmony prompt: text and special tokens kept apart, so that content can never turn
// into a control token. Only the renderer adds special pieces; text pieces are tokenized with
// special-token parsing off.

#include <string>
#include <string_view>
#include <vector>

namespace arbiter::harmony {

struct Piece {
    std::string text;
    bool special = false;
};

class Prompt {
public:
    // Appends one special token, e.g. kStart.
    void special(std::string_view token);
    // Appends ordinary text, merged with a preceding text piece (so BPE sees it whole).
    void text(std::string_view text);
    void append(const Prompt& other);

    const std::vector<Piece>& pieces() const { return pieces_; }
    // The prompt as one string, special tokens written as their text (what llama.cpp's and
    // OpenAI's renderers produce).
    std::string str() const;

private:
    std::vector<Piece> pieces_;
};

}  // namespace arbiter::harmony
