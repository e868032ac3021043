#pragma once
// Texts that exercise a byte-level BPE tokenizer where implementations tend to differ: the
// pre-tokenizer's classes (scripts, case, combining marks, digits, whitespace, contractions), the
// merges (long words, rare bytes), and arbiter's own cuts of text into pieces of at most
// harmony::kMaxTextPiece bytes. Deterministic: the same texts on every run.

#include <string>
#include <vector>

namespace arbiter::test {

// A few sentences in each of many scripts, emoji, symbols, invisible and space characters.
std::vector<std::string> script_samples();

// Numbers, whitespace runs, CRLF, contractions, code, long words (at most 2,000 bytes, below the
// piece size), and runs of one character.
std::vector<std::string> edge_case_texts();

// `count` random mixtures of the fragments above (seeded); one in ten has words with combining
// marks.
std::vector<std::string> mixed_texts(size_t count, unsigned seed);

// Texts longer than one piece whose cut falls right before, inside or right after each kind of
// joint (spaces, other whitespace, newlines, punctuation, letters of several scripts, digits).
std::vector<std::string> piece_boundary_texts();

}  // namespace arbiter::test
