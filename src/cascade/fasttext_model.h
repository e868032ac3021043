#pragma once
// The fastText fast tier: a supervised fastText classifier (words, word bigrams, character
// 2-5-grams of the normalised text). Kept beside the linear one (linear_model.h) so that a
// policy's data can choose; the linear model is the default (bench/RESULTS.md says why).

#include <filesystem>
#include <memory>
#include <string>
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

// The text as fastText sees it: normalised (normalize.h), punctuation split off into tokens of
// its own (fastText splits on spaces only), one line.
std::string fasttext_line(std::string_view text);

class FastTextModel {
public:
    ~FastTextModel();
    FastTextModel(FastTextModel&&) noexcept;
    FastTextModel& operator=(FastTextModel&&) noexcept;

    static FastTextModel train(const std::vector<Example>& examples, const FastTextOptions& options);
    static FastTextModel load(const std::filesystem::path& path);

    // P(violation) of raw text; 0.5 when it has no token.
    double probability(std::string_view text) const;
    void save(const std::filesystem::path& path) const;

private:
    FastTextModel();
    std::unique_ptr<fasttext::FastText> model_;
};

}  // namespace arbiter::cascade
