#pragma once
// The cascade's second tier: a classifier for one policy, trained from human labels or from the
// model's own verdicts, that gives P(violation) in microseconds. Two learners: a linear model on
// TF-IDF word and character n-grams (linear_model.h, the default) and fastText (fasttext_model.h).
//
// Models live beside their policy file, named by policy id and version
// (<dir>/<id>.v<version>.fast, either learner: load() tells them apart by their first bytes),
// with a sidecar <id>.v<version>.fast.json that records the SHA-256 of the policy text it was
// trained for: a changed policy never silently uses a model trained for its old text.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cascade/fast_example.h"
#include "cascade/fasttext_model.h"
#include "cascade/linear_model.h"
#include "core/policy.h"

namespace arbiter::cascade {

enum class Learner { linear, fasttext };

struct TrainOptions {
    Learner learner = Learner::linear;
    LinearOptions linear;
    FastTextOptions fasttext;
};

const char* learner_name(Learner learner);

class FastClassifier {
public:
    // Trains on examples (both classes needed). Throws FastModelError.
    static FastClassifier train(const std::vector<Example>& examples, const TrainOptions& options);
    // Reads a model file of either learner; throws FastModelError.
    static FastClassifier load(const std::filesystem::path& path);

    // P(violation) for raw text; 0.5 when the text has nothing the model can use.
    double probability(std::string_view text) const;
    Learner learner() const { return linear_ ? Learner::linear : Learner::fasttext; }

    void save(const std::filesystem::path& path) const;

private:
    FastClassifier() = default;
    std::optional<LinearModel> linear_;
    std::shared_ptr<const FastTextModel> fasttext_;
};

// <dir of policy.source>/<id>.v<version>.fast, and its sidecar.
std::filesystem::path fast_model_path(const Policy& policy);
std::filesystem::path fast_model_sidecar(const Policy& policy);

// SHA-256 of the policy text, hex.
std::string policy_text_sha256(const Policy& policy);

// Loads the policy's model, checking its sidecar; FastModelError says what is missing or stale
// and how to fix it.
FastClassifier load_fast_model(const Policy& policy);

}  // namespace arbiter::cascade
