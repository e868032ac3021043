#include "cascade/fast_classifier.h"

#include <fasttext/fasttext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cascade/normalize.h"
#include "core/json_input.h"
#include "core/sha256.h"

namespace arbiter::cascade {

namespace {

constexpr std::string_view kViolation = "__label__violation";
constexpr std::string_view kSafe = "__label__safe";

bool is_ascii_punct(unsigned char c) {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

// A training file in the temporary folder, removed when done.
class TempFile {
public:
    TempFile() {
        static std::atomic<int> counter{0};
        path_ = std::filesystem::temp_directory_path() /
                ("arbiter-fasttext-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".txt");
    }
    ~TempFile() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace

std::string fasttext_line(std::string_view text) {
    const std::string norm = normalize(text);
    std::string out;
    out.reserve(norm.size() + norm.size() / 4);
    for (const char ch : norm) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_ascii_punct(c)) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
            out.push_back(ch);
            out.push_back(' ');
        } else if (ch == ' ') {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(ch);
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

FastClassifier::FastClassifier() : model_(std::make_unique<fasttext::FastText>()) {}
FastClassifier::~FastClassifier() = default;
FastClassifier::FastClassifier(FastClassifier&&) noexcept = default;
FastClassifier& FastClassifier::operator=(FastClassifier&&) noexcept = default;

FastClassifier FastClassifier::train(const std::vector<Example>& examples, const TrainOptions& options) {
    size_t positives = 0;
    for (const Example& e : examples) positives += e.violation ? 1 : 0;
    if (positives == 0 || positives == examples.size()) {
        throw FastModelError("training needs examples of both classes (got " + std::to_string(positives) +
                             " violations among " + std::to_string(examples.size()) + ")");
    }
    TempFile file;
    {
        std::ofstream out(file.path(), std::ios::binary);
        for (const Example& e : examples) {
            out << (e.violation ? kViolation : kSafe) << ' ' << fasttext_line(e.text) << '\n';
        }
        if (!out) throw FastModelError("cannot write training file " + file.path().string());
    }
    fasttext::Args args;
    args.input = file.path().string();
    args.model = fasttext::model_name::sup;
    args.loss = fasttext::loss_name::softmax;
    args.minCount = 1;
    args.epoch = options.epoch;
    args.lr = options.lr;
    args.dim = options.dim;
    args.wordNgrams = options.word_ngrams;
    args.minn = options.minn;
    args.maxn = options.maxn;
    args.bucket = options.bucket;
    args.seed = options.seed;
    args.thread = options.threads;
    args.verbose = 0;
    FastClassifier classifier;
    try {
        classifier.model_->train(args);
        if (options.quantize) {
            fasttext::Args qargs;
            qargs.qnorm = true;
            qargs.dsub = 2;
            qargs.cutoff = 0;
            qargs.retrain = false;
            qargs.verbose = 0;
            classifier.model_->quantize(qargs);
        }
    } catch (const std::exception& e) {
        throw FastModelError(std::string("fastText training failed: ") + e.what());
    }
    return classifier;
}

FastClassifier FastClassifier::load(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw FastModelError(path.string() + ": no such model file");
    FastClassifier classifier;
    try {
        classifier.model_->loadModel(path.string());
    } catch (const std::exception& e) {
        throw FastModelError(path.string() + ": not a fastText model (" + e.what() + ")");
    }
    const auto dict = classifier.model_->getDictionary();
    bool has_violation = false;
    for (int32_t i = 0; i < dict->nlabels(); ++i) has_violation |= dict->getLabel(i) == kViolation;
    if (!has_violation)
        throw FastModelError(path.string() + ": not an arbiter fast-tier model (no violation label)");
    return classifier;
}

double FastClassifier::probability(std::string_view text) const {
    const std::string line = fasttext_line(text);
    if (line.empty()) return 0.5;
    std::istringstream in(line + "\n");
    std::vector<std::pair<fasttext::real, std::string>> predictions;
    model_->predictLine(in, predictions, 2, 0.0);
    if (predictions.empty()) return 0.5;
    for (const auto& [p, label] : predictions) {
        // fastText adds a small epsilon before its log and exp: clamp to a probability.
        if (label == kViolation) return std::clamp(static_cast<double>(p), 0.0, 1.0);
    }
    // Only the safe label came back (k covers both, so only if the other has no mass).
    return std::clamp(1.0 - static_cast<double>(predictions.front().first), 0.0, 1.0);
}

void FastClassifier::save(const std::filesystem::path& path) const {
    try {
        model_->saveModel(path.string());
    } catch (const std::exception& e) {
        throw FastModelError(path.string() + ": cannot be written (" + e.what() + ")");
    }
}

std::filesystem::path fast_model_path(const Policy& policy) {
    const std::filesystem::path dir = std::filesystem::path(policy.source).parent_path();
    return dir / (policy.id + ".v" + std::to_string(policy.version) + ".ftz");
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
