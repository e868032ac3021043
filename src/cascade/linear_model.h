#pragma once
// The linear fast tier: logistic regression (liblinear) on TF-IDF weighted word and character
// n-grams (text_features.h), as scikit-learn's stacked TfidfVectorizers weight them: sublinear
// term frequency, smoothed idf, each block L2-normalised on its own (words are not drowned by
// their character n-grams). The vocabulary is every feature seen in at least `min_df` training
// texts, kept as 64-bit keys in an open-addressing table: scoring an item is one table probe
// per n-gram, microseconds.

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "cascade/fast_example.h"
#include "cascade/text_features.h"

namespace arbiter::cascade {

struct LinearOptions {
    FeatureSpec features;
    // Inverse regularisation strength (liblinear's C). With 1-5-grams, 2 ranked at or above
    // scikit-learn's C = 1 reference on 28 of 33 label x fold-seed pairs of ../shared/data and
    // never more than 0.0005 below it; C = 1 or 1.5, or 2-5-grams, fell further behind on some
    // label (bench/RESULTS.md).
    double c = 2;
    int min_df = 1;  // least number of training texts a feature must be in
};

class LinearModel {
public:
    // Trains on examples (both classes needed: the caller checks). Throws FastModelError.
    static LinearModel train(const std::vector<Example>& examples, const LinearOptions& options);
    // Reads a model file written by save(); throws FastModelError when it is not one.
    static LinearModel load(const std::filesystem::path& path);
    // Whether the file starts the way save() starts it.
    static bool recognises(const std::filesystem::path& path);

    // P(violation) of raw text; 0.5 when no feature of it is in the vocabulary (nothing to go on:
    // the model decides).
    double probability(std::string_view text) const;
    // Features in the vocabulary.
    size_t features() const { return features_; }

    void save(const std::filesystem::path& path) const;

private:
    struct Entry {
        uint64_t key = 0;
        float idf = 0;  // 0: an empty slot (a feature's idf is at least 1)
        float weight = 0;
    };
    void insert(const Entry& e);
    const Entry* find(uint64_t key) const;

    FeatureSpec spec_;
    double bias_ = 0;
    size_t features_ = 0;
    int shift_ = 64;            // a key's slot is its top (64 - shift_) bits
    std::vector<Entry> table_;  // open addressing, linear probing, at most half full
};

}  // namespace arbiter::cascade
