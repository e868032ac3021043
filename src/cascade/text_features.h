#pragma once
// The linear fast tier's features, taken as scikit-learn's TfidfVectorizer takes them (the
// reference the fast tier is measured against, bench/sklearn_cv.py), from normalised text
// (normalize.h):
//   words: tokens are runs of two or more word characters (letters, digits, '_': Python's
//          \w\w+), and each pair of consecutive tokens joined by a space;
//   chars: every minn..maxn code points of each space-separated word padded with a space on
//          both sides (char_wb), punctuation kept attached to its word.
// tests/cascade_linear_test.cpp checks that the features of a text equal scikit-learn's
// analyzers' on the same normalised text. The default starts the character n-grams at one code
// point where the reference starts at two: single characters add punctuation and, through the
// padding spaces, the number of words, and ranked better on most labels of ../shared/data
// (bench/RESULTS.md).
//
// A feature is kept as a 64-bit hash of its text (its key) rather than as the text: a vocabulary
// of keys has no collisions in practice (about 1e-8 for a million features) and scoring does no
// string work. The key's lowest bit says which block the feature is in.

#include <cstdint>
#include <string_view>

#include "cascade/key_tally.h"

namespace arbiter::cascade {

enum class Block : uint8_t { words = 0, chars = 1 };

struct FeatureSpec {
    int word_ngrams = 2;  // 1: words only, 2: and bigrams
    int minn = 1;         // character n-grams of each word, in code points; 0: none
    int maxn = 5;
};

// The key of one feature written as scikit-learn writes it: "word", "two words" (words), " wo"
// (chars, with the padding spaces).
uint64_t feature_key(Block block, std::string_view feature);

inline Block block_of(uint64_t key) {
    return static_cast<Block>(key & 1);
}

// Counts the features of `normalized` (normalize()'s output: valid UTF-8, single spaces) into
// `out`, started anew. Words are told apart by a key of their text too.
void count_features(std::string_view normalized, const FeatureSpec& spec, KeyTally& out);

}  // namespace arbiter::cascade
