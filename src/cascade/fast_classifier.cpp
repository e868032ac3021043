#include "cascade/fast_classifier.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "core/sha256.h"

namespace arbiter::cascade {

const char* learner_name(Learner learner) {
    return learner == Learner::linear ? "linear" : "fasttext";
}

FastClassifier FastClassifier::train(const std::vector<Example>& examples, const TrainOptions& options) {
    size_t positives = 0;
    for (const Example& e : examples) positives += e.violation ? 1 : 0;
    if (positives == 0 || positives == examples.size()) {
        throw FastModelError("training needs examples of both classes (got " + std::to_string(positives) +
                             " violations among " + std::to_string(examples.size()) + ")");
    }
    FastClassifier out;
    if (options.learner == Learner::linear)
        out.linear_ = LinearModel::train(examples, options.linear);
    else
        out.fasttext_ =
            std::make_shared<const FastTextModel>(FastTextModel::train(examples, options.fasttext));
    return out;
}

FastClassifier FastClassifier::load(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw FastModelError(path.string() + ": no such model file");
    FastClassifier out;
    if (LinearModel::recognises(path))
        out.linear_ = LinearModel::load(path);
    else
        out.fasttext_ = std::make_shared<const FastTextModel>(FastTextModel::load(path));
    return out;
}

double FastClassifier::probability(std::string_view text) const {
    return linear_ ? linear_->probability(text) : fasttext_->probability(text);
}

void FastClassifier::save(const std::filesystem::path& path) const {
    if (linear_)
        linear_->save(path);
    else
        fasttext_->save(path);
}

std::filesystem::path fast_model_path(const Policy& policy) {
    const std::filesystem::path dir = std::filesystem::path(policy.source).parent_path();
    return dir / (policy.id + ".v" + std::to_string(policy.version) + ".fast");
}

std::filesystem::path fast_model_sidecar(const Policy& policy) {
    std::filesystem::path p = fast_model_path(policy);
    p += ".json";
    return p;
}

std::string policy_text_sha256(const Policy& policy) {
    return sha256_hex(policy.text);
}

FastClassifier load_fast_model(const Policy& policy) {
    const std::filesystem::path model = fast_model_path(policy);
    const std::filesystem::path sidecar = fast_model_sidecar(policy);
    const std::string retrain = "; train one with: arbiter train --policy " + policy.source + " --data ...";
    std::error_code ec;
    if (!std::filesystem::is_regular_file(model, ec)) {
        throw FastModelError("policy '" + policy.id + "' v" + std::to_string(policy.version) +
                             " declares a fast tier, but " + model.string() + " does not exist" + retrain);
    }
    std::ifstream in(sidecar, std::ios::binary);
    const std::string sidecar_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string error;
    const nlohmann::json meta = parse_json(sidecar_text, error).value_or(nlohmann::json());
    if (!meta.is_object() || !meta.contains("policy_sha256") || !meta["policy_sha256"].is_string()) {
        throw FastModelError(sidecar.string() + ": missing or unreadable, so " + model.string() +
                             " cannot be checked against the policy text" + retrain);
    }
    if (meta["policy_sha256"].get<std::string>() != policy_text_sha256(policy)) {
        throw FastModelError(model.string() + " was trained for another text of policy '" + policy.id +
                             "' v" + std::to_string(policy.version) +
                             " (the text changed without a version bump); bump the version and retrain" +
                             retrain);
    }
    return FastClassifier::load(model);
}

}  // namespace arbiter::cascade
