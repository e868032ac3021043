#pragma once
// The fastText fast tier: a supervised fastText classifier (words, word bigrams, character
// 2-5-grams of the normalised text). Kept beside the linear one (linear_model.h) so that a
// policy's data can choose; the linear model is the default (bench/RESULTS.md says why).

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "cascade/fast_example.h"

namespace fasttext {
class FastText;
}

namespace arbiter::cascade {

struct FastTextOptions {
    int epoch = 25;
    double lr = 0.5;
    int dim = 50;
    int word_ngrams = 2;
    int minn = 2;  // character n-grams: robust to misspelling and obfuscation
    int maxn = 5;
    int bucket = 200000;
    int seed = 1;
    int threads = 1;        // 1: training is deterministic
    bool quantize = false;  // product-quantise (.ftz): a much smaller file, slightly less accurate
};

class FastTextModel {
public:
    ~FastTextModel();
    FastTextModel(FastTextModel&&) noexcept;
    FastTextModel& operator=(FastTextModel&&) noexcept;

    static FastTextModel train(const std::vector<Example>& examples, const FastTextOptions& options);
    static FastTextModel load(const std::filesystem::path& path);

    // P(violation) for the text as fasttext_line() gives it; 0.5 when it is empty.
    double probability_of_line(std::string_view line) const;
    void save(const std::filesystem::path& path) const;

private:
    FastTextModel();
    std::unique_ptr<fasttext::FastText> model_;
};

}  // namespace arbiter::cascade
