// arbiter-cascade-bench: how fast and how good the cascade's cheap tiers are on real data.
//   throughput: the rules tier (normalise + one Hyperscan scan, MB/s) and the fast tier
//               (P(violation) of each learner, items/s on one core) on a dataset's texts;
//   cv:         the fast tier alone, k-fold cross-validated per label and learner: precision,
//               recall, F1 (at P >= 0.5, pooled over folds), ROC-AUC and PR-AUC.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "cascade/cross_validation.h"
#include "cascade/fast_classifier.h"
#include "cascade/judged_text.h"
#include "cascade/normalize.h"
#include "cascade/rule_set.h"
#include "core/policy_file.h"
#include "eval/dataset.h"
#include "eval/label_map.h"
#include "eval/metrics.h"

namespace {

using namespace arbiter;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

// This thread's CPU time: on a machine shared with other work, wall-clock rates understate what
// one core does; rates are given per CPU-second (and the wall-clock ones beside them).
double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// One pass over the texts: how much it did (MB or items) and how many rule matches it found.
struct Pass {
    double amount = 0;
    size_t hits = 0;
};

struct Rates {
    double per_cpu_second = 0;  // the median round
    double lowest = 0, highest = 0;
    double per_wall_second = 0;  // over all rounds
    size_t hits_per_pass = 0;
};

Rates median_of_rounds(double min_seconds, const std::function<Pass()>& pass) {
    constexpr int kRounds = 5;
    std::vector<double> rates;
    double amount = 0, wall = 0;
    size_t hits = 0, passes = 0;
    for (int round = 0; round < kRounds; ++round) {
        double round_amount = 0;
        const auto start = Clock::now();
        const double cpu_start = cpu_seconds();
        do {
            const Pass p = pass();
            round_amount += p.amount;
            hits += p.hits;
            ++passes;
        } while (seconds_since(start) < min_seconds / kRounds);
        rates.push_back(round_amount / (cpu_seconds() - cpu_start));
        amount += round_amount;
        wall += seconds_since(start);
    }
    std::sort(rates.begin(), rates.end());
    return {rates[kRounds / 2], rates.front(), rates.back(), amount / wall, hits / passes};
}

// A realistic rule set: three policies with literals and regexes of the kinds moderation lists use.
std::vector<std::shared_ptr<const Policy>> bench_policies() {
    const std::vector<std::pair<std::string, std::vector<std::string>>> literals = {
        {"violence",
         {"kill you", "shoot up", "bomb threat", "stab", "behead", "massacre", "murder you", "blow up",
          "pipe bomb", "mass shooting", "kill them all", "slit your throat", "burn it down", "hang them"}},
        {"self-harm",
         {"kill myself", "end my life", "suicide", "cut myself", "self harm", "want to die", "overdose",
          "hang myself", "no reason to live", "slit my wrists"}},
        {"spam",
         {"buy now", "cheap pills", "free money", "click here", "limited offer", "act now", "wire transfer",
          "gift card", "crypto giveaway", "work from home", "100% free", "lose weight fast", "viagra"}},
    };
    const std::vector<std::pair<std::string, std::string>> regexes = {
        {"spam", R"(https?://\S+\.(ru|xyz|top)\b)"},
        {"spam", R"(\b(whats?app|telegram)\s*[:+]?\s*\d{6,})"},
        {"spam", R"(\$\d+(,\d{3})*\s*(per|a)\s*(day|hour|week))"},
        {"violence", R"(\b(i|we)('ll| will| am going to| gonna)\s+(kill|shoot|stab)\b)"},
        {"self-harm", R"(\bhow (many|much) .{0,30}(pills|tablets) .{0,20}(die|overdose|lethal))"},
    };
    std::vector<std::shared_ptr<const Policy>> out;
    for (const auto& [id, words] : literals) {
        Policy p;
        p.id = id;
        p.text = id;
        int n = 0;
        for (const std::string& w : words)
            p.rules.push_back({id + "-" + std::to_string(n++), false, w, RuleAction::violate, 0});
        for (const auto& [policy, re] : regexes) {
            if (policy == id)
                p.rules.push_back({id + "-" + std::to_string(n++), true, re, RuleAction::escalate, 0});
        }
        out.push_back(std::make_shared<const Policy>(std::move(p)));
    }
    return out;
}

std::vector<std::string> texts_of(const eval::Dataset& d) {
    std::vector<std::string> out;
    for (const auto& item : d.items) out.push_back(cascade::judged_text(item.content));
    return out;
}

int throughput(const std::string& data, double min_seconds, int threads) {
    const eval::Dataset d = eval::read_dataset(data, {});
    const std::vector<std::string> texts = texts_of(d);
    size_t bytes = 0;
    for (const auto& t : texts) bytes += t.size();
    const auto policies = bench_policies();
    size_t rule_count = 0;
    for (const auto& p : policies) rule_count += p->rules.size();
    const cascade::RuleSet rules(policies);
    std::printf("%zu texts, %.2f MB; %zu rules of %zu policies in one Hyperscan database\n", texts.size(),
                static_cast<double>(bytes) / 1e6, rule_count, policies.size());

    // Rules tier: normalise and scan every text. Each rate is the median of five rounds of at
    // least min_seconds / 5: on a shared machine single rounds move by a fifth or more.
    const auto measure = [&](const char* what, auto&& per_text) {
        const Rates r = median_of_rounds(min_seconds, [&] {
            size_t hits = 0;
            for (const auto& t : texts) hits += per_text(t);
            return Pass{static_cast<double>(bytes) / 1e6, hits};
        });
        std::printf("%-30s %6.1f MB per CPU-second (rounds %.1f-%.1f; %.1f MB/s wall; %zu matches/pass)\n",
                    what, r.per_cpu_second, r.lowest, r.highest, r.per_wall_second, r.hits_per_pass);
    };
    measure("rules tier: normalise + scan",
            [&](const std::string& t) { return rules.matches(cascade::normalize(t)).size(); });
    std::vector<std::string> normalised;
    normalised.reserve(texts.size());
    for (const auto& t : texts) normalised.push_back(cascade::normalize(t));
    size_t i = 0;
    measure("  of which scan alone",
            [&](const std::string&) { return rules.matches(normalised[i++ % normalised.size()]).size(); });
    size_t normalised_bytes = 0;  // used, so that the work is not optimised away
    measure("  of which normalise alone", [&](const std::string& t) {
        normalised_bytes += cascade::normalize(t).size();
        return size_t{0};
    });
    std::printf("%-30s %zu bytes normalised\n", "", normalised_bytes);

    // The rules tier shares nothing across threads but its pool of scratch spaces, so items on
    // other threads (serve's workers) scan in parallel: the wall-clock rate of the whole machine.
    {
        struct Tally {
            size_t bytes = 0, hits = 0;
        };
        std::vector<Tally> tallies(static_cast<size_t>(threads));
        std::vector<std::thread> workers;
        workers.reserve(tallies.size());
        const auto start = Clock::now();
        for (Tally& tally : tallies) {
            workers.emplace_back([&] {
                do {
                    for (const auto& t : texts) tally.hits += rules.matches(cascade::normalize(t)).size();
                    tally.bytes += bytes;
                } while (seconds_since(start) < min_seconds);
            });
        }
        for (auto& w : workers) w.join();
        const double s = seconds_since(start);
        size_t total = 0, hits = 0;
        for (const Tally& t : tallies) total += t.bytes, hits += t.hits;
        std::printf("%-30s %6.1f MB/s wall on %d threads (%zu matches)\n", "rules tier: normalise + scan",
                    static_cast<double>(total) / 1e6 / s, threads, hits);
    }

    // Fast tier: each learner trained on the same texts (any label), then P(violation) on one
    // core; fastText (the previous default) is the baseline of the ratio, measured in this run.
    std::vector<cascade::Example> examples;
    for (size_t k = 0; k < d.items.size(); ++k) {
        const std::optional<bool> gold = eval::gold_label(d.items[k], "any", {});
        if (gold) examples.push_back({texts[k], *gold});
    }
    double baseline = 0;
    for (const cascade::Learner learner : {cascade::Learner::fasttext, cascade::Learner::linear}) {
        cascade::TrainOptions o;
        o.learner = learner;
        const cascade::FastClassifier model = cascade::FastClassifier::train(examples, o);
        double sink = 0;
        const Rates r = median_of_rounds(min_seconds, [&] {
            for (const auto& t : texts) sink += model.probability(t);
            return Pass{static_cast<double>(texts.size()), 0};
        });
        if (baseline == 0) baseline = r.per_cpu_second;
        const std::string what = std::string("fast tier (") + cascade::learner_name(learner) + ")";
        std::printf(
            "%-30s %6.0f items per CPU-second (rounds %.0f-%.0f; %.0f items/s wall; %.1f us CPU/item, mean "
            "%.0f bytes/item; %.2fx fasttext; checksum %.1f)\n",
            what.c_str(), r.per_cpu_second, r.lowest, r.highest, r.per_wall_second, 1e6 / r.per_cpu_second,
            static_cast<double>(bytes) / static_cast<double>(texts.size()), r.per_cpu_second / baseline,
            sink);
    }
    return 0;
}

// A learner as the cv command names it.
struct Candidate {
    std::string name;
    cascade::TrainOptions options;
};

Candidate candidate(const std::string& name, int epoch, const cascade::LinearOptions& linear) {
    Candidate c{name, {}};
    c.options.linear = linear;
    c.options.fasttext.epoch = epoch;
    if (name == "linear") return c;
    c.options.learner = cascade::Learner::fasttext;
    if (name == "fasttext-quantized") c.options.fasttext.quantize = true;
    return c;
}

// k-fold cross-validation per label of each learner, on the folds `arbiter train` uses; with
// --folds-out, every example with its fold, for scikit-learn's reference on the same folds
// (bench/sklearn_cv.py).
int cv(const std::vector<std::string>& data, int folds, uint64_t seed,
       const std::vector<Candidate>& candidates, const std::string& folds_out) {
    std::ofstream out;
    if (!folds_out.empty()) out.open(folds_out, std::ios::binary | std::ios::trunc);
    std::printf("%-20s %-5s %-18s %6s %5s %9s %7s %7s %8s %7s %7s\n", "dataset", "label", "learner", "items",
                "pos", "precision", "recall", "f1", "roc_auc", "pr_auc", "secs");
    for (const std::string& path : data) {
        const eval::Dataset d = eval::read_dataset(path, {});
        const std::vector<std::string> texts = texts_of(d);
        const std::string name = std::filesystem::path(path).parent_path().filename().string();
        for (const std::string& label : d.label_names) {
            std::vector<cascade::Example> examples;
            for (size_t k = 0; k < d.items.size(); ++k) {
                const std::optional<bool> gold = eval::gold_label(d.items[k], "p", {{"p", {label}}});
                if (gold) examples.push_back({texts[k], *gold});
            }
            const size_t pos = static_cast<size_t>(
                std::count_if(examples.begin(), examples.end(), [](const auto& e) { return e.violation; }));
            if (pos < static_cast<size_t>(folds) || examples.size() - pos < static_cast<size_t>(folds)) {
                std::printf("%-20s %-5s %-18s %6zu %5zu  (one class: not measurable)\n", name.c_str(),
                            label.c_str(), "", examples.size(), pos);
                continue;
            }
            const std::vector<int> fold = cascade::stratified_folds(examples, folds, seed);
            if (out.is_open()) {
                for (size_t i = 0; i < examples.size(); ++i) {
                    out << nlohmann::json{{"dataset", name},
                                          {"label", label},
                                          {"text", examples[i].text},
                                          {"fasttext_line", cascade::fasttext_line(examples[i].text)},
                                          {"gold", examples[i].violation},
                                          {"fold", fold[i]}}
                               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                        << "\n";
                }
            }
            for (const Candidate& c : candidates) {
                const auto start = Clock::now();
                const std::vector<double> p = cascade::out_of_fold_probabilities(examples, fold, c.options);
                std::vector<bool> gold, predicted;
                for (size_t i = 0; i < examples.size(); ++i) {
                    gold.push_back(examples[i].violation);
                    predicted.push_back(p[i] >= 0.5);
                }
                const eval::Confusion m = eval::confusion(gold, predicted);
                std::printf("%-20s %-5s %-18s %6zu %5zu %9.3f %7.3f %7.3f %8.4f %7.4f %7.1f\n", name.c_str(),
                            label.c_str(), c.name.c_str(), examples.size(), pos, eval::precision(m),
                            eval::recall(m), eval::f1(m), eval::roc_auc(gold, p),
                            eval::average_precision(gold, p), seconds_since(start));
                std::fflush(stdout);
            }
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"arbiter-cascade-bench: the cascade's rules and fast tiers on real data"};
    app.require_subcommand(1);
    std::string data;
    double min_seconds = 3;
    auto* tp = app.add_subcommand("throughput", "Rules-tier MB/s and fast-tier items/s on one core");
    tp->add_option("--data", data, "Dataset (texts are what is measured)")
        ->required()
        ->check(CLI::ExistingFile);
    tp->add_option("--seconds", min_seconds, "Least time per measurement")->capture_default_str();
    int threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    tp->add_option("--threads", threads, "Threads for the rules tier's machine-wide rate")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    std::vector<std::string> datasets;
    int folds = 5;
    uint64_t seed = 1;
    int epoch = cascade::FastTextOptions{}.epoch;
    std::vector<std::string> learners = {"linear"};
    std::string folds_out;
    cascade::LinearOptions linear;
    auto* cvc = app.add_subcommand("cv", "k-fold cross-validated quality of the fast tier alone, per label");
    cvc->add_option("--data", datasets, "Datasets (repeatable)")->required()->check(CLI::ExistingFile);
    cvc->add_option("--folds", folds, "Folds")->check(CLI::Range(2, 20))->capture_default_str();
    cvc->add_option("--seed", seed, "Seed of the folds (arbiter train's --seed)")->capture_default_str();
    cvc->add_option("--learner", learners, "linear, fasttext, fasttext-quantized (repeatable)")
        ->check(CLI::IsMember({"linear", "fasttext", "fasttext-quantized"}))
        ->capture_default_str();
    cvc->add_option("--c", linear.c, "linear: liblinear's C")->capture_default_str();
    cvc->add_option("--min-df", linear.min_df, "linear: least texts a feature must be in")
        ->capture_default_str();
    cvc->add_option("--minn", linear.features.minn, "linear: shortest character n-gram")
        ->capture_default_str();
    cvc->add_option("--maxn", linear.features.maxn, "linear: longest character n-gram")
        ->capture_default_str();
    cvc->add_option("--epoch", epoch, "fastText training epochs")->capture_default_str();
    cvc->add_option("--folds-out", folds_out,
                    "Write every example with its fold (JSONL) for bench/sklearn_cv.py");
    CLI11_PARSE(app, argc, argv);
    try {
        if (tp->parsed()) return throughput(data, min_seconds, threads);
        std::vector<Candidate> candidates;
        for (const std::string& l : learners) candidates.push_back(candidate(l, epoch, linear));
        return cv(datasets, folds, seed, candidates, folds_out);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "arbiter-cascade-bench: %s\n", e.what());
        return 1;
    }
}
