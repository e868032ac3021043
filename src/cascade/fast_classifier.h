#pragma once
// The cascade's second tier: a fastText supervised classifier for one policy, trained from
// human labels or from the model's own verdicts, that gives P(violation) in microseconds.
//
// Models live beside their policy file, named by policy id and version
// (<dir>/<id>.v<version>.ftz), with a sidecar <id>.v<version>.ftz.json that records the SHA-256
// of the policy text it was trained for: a changed policy never silently uses a model trained
// for its old text.

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"

namespace fasttext {
class FastText;
}

namespace arbiter::cascade {

class FastModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Example {
    std::string text;  // raw text (normalised and tokenised when used)
    bool violation = false;
};

struct TrainOptions {
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

// The text as the fast classifier sees it: normalised (normalize.h), punctuation split off,
// one line.
std::string fasttext_line(std::string_view text);

class FastClassifier {
public:
    ~FastClassifier();
    FastClassifier(FastClassifier&&) noexcept;
    FastClassifier& operator=(FastClassifier&&) noexcept;

    // Trains on examples (both classes needed). Throws FastModelError.
    static FastClassifier train(const std::vector<Example>& examples, const TrainOptions& options);
    // Reads a model file; throws FastModelError.
    static FastClassifier load(const std::filesystem::path& path);

    // P(violation) for raw text; 0.5 when the text has no words the model can use.
    double probability(std::string_view text) const;

    void save(const std::filesystem::path& path) const;

private:
    FastClassifier();
    std::unique_ptr<fasttext::FastText> model_;
};

// <dir of policy.source>/<id>.v<version>.ftz, and its sidecar.
std::filesystem::path fast_model_path(const Policy& policy);
std::filesystem::path fast_model_sidecar(const Policy& policy);

// SHA-256 of the policy text, hex.
std::string policy_text_sha256(const Policy& policy);

// Loads the policy's model, checking its sidecar; FastModelError says what is missing or stale
// and how to fix it.
FastClassifier load_fast_model(const Policy& policy);

}  // namespace arbiter::cascade
