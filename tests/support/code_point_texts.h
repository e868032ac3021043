#pragma once
// Every code point in small contexts that tell the classes of o200k's pre-tokenizer pattern
// apart, so that a wrong class for any code point (a letter's case, a mark, a number,
// whitespace, a character a Unicode table does not know) changes a split. What each context
// makes of each class ("|" a split; P: punctuation, symbols, other and unassigned code points;
// Lm, Lo and marks are in both the "upper" and the "lower" class of the pattern):
//   a·b   Ll, Lm/Lo, marks: one word; Lu/Lt, P, whitespace: a|·b; N, line breaks: a|·|b
//   ␠··   whitespace: one run; N: ␠|··; the rest: one piece
//   !!·   P, marks, line breaks (the pattern's [\r\n/]*): one piece; the rest: !!|·
//   ·Ab   Lu/Lt, Lm/Lo, marks, P, whitespace but line breaks: one piece; Ll, N: ·|Ab
//   ·'s   letters, marks: one word with its contraction; N, whitespace: ·|'s; P: ·'|s
// Together they give each class splits of its own: checked over every code point with Node's
// classes when they were chosen (only ASCII's ' and / split as P does here, and other texts
// test them).

#include <string>
#include <vector>

namespace arbiter::test {

struct CodePointText {
    char32_t code_point;
    const char* context;  // its name, as above
    std::string text;
};

// Every code point but the surrogates (no UTF-8 has them), in each of the first `contexts`
// contexts (at most kCodePointContexts).
std::vector<CodePointText> code_point_texts(size_t contexts);

inline constexpr size_t kCodePointContexts = 5;

}  // namespace arbiter::test
