#pragma once
// The linear fast tier's features: hashed word unigrams and bigrams and character 2-5-grams of
// each word (with boundary marks, as fastText and scikit-learn's char_wb take them) of the text
// as fasttext_line() gives it. Hashing instead of a vocabulary keeps the model a flat array and
// scoring free of string lookups; words and character n-grams hash into separate halves of the
// space (the top bit tells them apart), so that each kind is weighted as a block of its own.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::cascade {

// The text as the fast tier sees it: normalised (normalize.h), punctuation split off, one line.
std::string fasttext_line(std::string_view text);

struct FeatureSpec {
    int bits = 20;  // 2^bits buckets
    int word_ngrams = 2;
    int minn = 2;  // character n-grams of each word, 0: none
    int maxn = 5;
};

// Appends one bucket per occurrence of each feature of `line` (normalised, space-separated
// tokens) to `out`; duplicates are kept, so that counts can be taken from the result.
void hashed_features(std::string_view line, const FeatureSpec& spec, std::vector<uint32_t>& out);

}  // namespace arbiter::cascade
