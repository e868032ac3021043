#pragma once
// The linear fast tier: logistic regression (liblinear) on TF-IDF weighted hashed word and
// character n-grams (text_features.h), each kind L2-normalised as a block of its own (as
// scikit-learn's two stacked TfidfVectorizers: words are not drowned by their n-grams). On the labelled sets
// in ../shared/data it ranks at least as well as fastText on the same features (bench/RESULTS.md), its file
// is a few MB rather than tens, and it scores an item in microseconds: a flat table lookup per n-gram.

#include <filesystem>
#include <string_view>
#include <vector>

#include "cascade/fast_example.h"
#include "cascade/text_features.h"

namespace arbiter::cascade {

struct LinearOptions {
    FeatureSpec features;
    double c = 10;  // inverse regularisation strength (liblinear's C)
};

class LinearModel {
public:
    // Trains on examples (both classes needed: the caller checks). Throws FastModelError.
    static LinearModel train(const std::vector<Example>& examples, const LinearOptions& options);
    // Reads a model file written by save(); throws FastModelError when it is not one.
    static LinearModel load(const std::filesystem::path& path);
    // Whether the file starts the way save() starts it.
    static bool recognises(const std::filesystem::path& path);

    // P(violation) for the text as fasttext_line() gives it; 0.5 when no n-gram of it was seen in
    // training (nothing to go on: the model decides).
    double probability_of_line(std::string_view line) const;

    void save(const std::filesystem::path& path) const;

private:
    struct Entry {
        float idf = 0;  // 0: never seen in training, so not a feature
        float weight = 0;
    };
    FeatureSpec spec_;
    double bias_ = 0;
    std::vector<Entry> table_;  // 2^bits entries, indexed by bucket
};

}  // namespace arbiter::cascade
