#include "cascade/fasttext_model.h"

#include <fasttext/fasttext.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

#include "cascade/normalize.h"

namespace arbiter::cascade {

namespace {

bool is_ascii_punct(unsigned char c) {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

constexpr std::string_view kViolation = "__label__violation";
constexpr std::string_view kSafe = "__label__safe";

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

void write_examples(const std::filesystem::path& path, const std::vector<Example>& examples, size_t from,
                    size_t to) {
    std::ofstream out(path, std::ios::binary);
    for (size_t i = from; i < to; ++i)
        out << (examples[i].violation ? kViolation : kSafe) << ' ' << fasttext_line(examples[i].text) << '\n';
    if (!out) throw FastModelError("cannot write training file " + path.string());
}

fasttext::Args base_args(const std::filesystem::path& input, const FastTextOptions& options) {
    fasttext::Args args;
    args.input = input.string();
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
    return args;
}

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

FastTextModel::FastTextModel() : model_(std::make_unique<fasttext::FastText>()) {}
FastTextModel::~FastTextModel() = default;
FastTextModel::FastTextModel(FastTextModel&&) noexcept = default;
FastTextModel& FastTextModel::operator=(FastTextModel&&) noexcept = default;

FastTextModel FastTextModel::train(const std::vector<Example>& examples, const FastTextOptions& options) {
    TempFile all;
    write_examples(all.path(), examples, 0, examples.size());
    const fasttext::Args args = base_args(all.path(), options);
    FastTextModel out;
    try {
        out.model_->train(args);
        if (options.quantize) {
            fasttext::Args qargs;
            qargs.qnorm = true;
            qargs.dsub = 2;
            qargs.cutoff = 0;
            qargs.retrain = false;
            qargs.verbose = 0;
            out.model_->quantize(qargs);
        }
    } catch (const std::exception& e) {
        throw FastModelError(std::string("fastText training failed: ") + e.what());
    }
    return out;
}

FastTextModel FastTextModel::load(const std::filesystem::path& path) {
    FastTextModel out;
    try {
        out.model_->loadModel(path.string());
    } catch (const std::exception& e) {
        throw FastModelError(path.string() + ": not a fast-tier model (" + e.what() + ")");
    }
    const auto dict = out.model_->getDictionary();
    bool has_violation = false;
    for (int32_t i = 0; i < dict->nlabels(); ++i) has_violation |= dict->getLabel(i) == kViolation;
    if (!has_violation)
        throw FastModelError(path.string() + ": not an arbiter fast-tier model (no violation label)");
    return out;
}

double FastTextModel::probability(std::string_view text) const {
    const std::string line = fasttext_line(text);
    if (line.empty()) return 0.5;
    std::istringstream in(std::string(line) + "\n");
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

void FastTextModel::save(const std::filesystem::path& path) const {
    try {
        model_->saveModel(path.string());
    } catch (const std::exception& e) {
        throw FastModelError(path.string() + ": cannot be written (" + e.what() + ")");
    }
}

}  // namespace arbiter::cascade
