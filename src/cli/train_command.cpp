// arbiter train: trains a policy's fast classifier (the cascade's second tier) from labelled
// data, from the model's own verdicts in the decision log (distillation), or both; reports its
// quality on held-out items and stores it beside the policy, versioned with it.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "cascade/fast_classifier.h"
#include "cascade/judged_text.h"
#include "cli/command.h"
#include "core/policy_file.h"
#include "eval/dataset.h"
#include "eval/label_map.h"
#include "eval/metrics.h"
#include "storage/decision_log.h"

namespace arbiter::cli {

namespace {

struct TrainArgs {
    std::string policy;
    std::string data;
    std::string log;
    std::string map;
    eval::DatasetSpec spec;
    double holdout = 0.2;
    double target_recall = 0.95;
    cascade::TrainOptions options;
    bool quantize = false;
};

// Fewest examples worth training on: below this the held-out numbers mean nothing.
constexpr size_t kMinExamples = 20;

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

int run(const TrainArgs& a) {
    const char* me = "arbiter train";
    Policy policy;
    std::vector<cascade::Example> examples;
    size_t from_data = 0, from_log = 0;
    try {
        policy = load_policy_file(a.policy);
        if (!a.data.empty()) {
            const eval::Dataset dataset = eval::read_dataset(a.data, a.spec);
            const eval::LabelMap map = a.map.empty() ? eval::LabelMap{} : eval::read_label_map(a.map);
            for (const eval::LabeledItem& item : dataset.items) {
                const std::optional<bool> gold = eval::gold_label(item, policy.id, map);
                if (!gold) continue;
                examples.push_back({cascade::judged_text(item.content), *gold});
            }
            from_data = examples.size();
        }
        if (!a.log.empty()) {
            const storage::ModelVerdicts logged = storage::DecisionLog::model_verdicts(a.log, policy);
            if (logged.skipped > 0) {
                std::fprintf(stderr, "%s: %zu decision(s) in %s skipped: content not readable\n", me,
                             logged.skipped, a.log.c_str());
            }
            from_log = logged.verdicts.size();
            for (const storage::ModelVerdict& v : logged.verdicts)
                examples.push_back({cascade::judged_text(v.content), v.violation});
        }
    } catch (const PolicyError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return kExitBadInput;
    } catch (const eval::DatasetError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return kExitBadInput;
    } catch (const storage::SqliteError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return kExitBadInput;
    }
    const size_t positives = static_cast<size_t>(std::count_if(
        examples.begin(), examples.end(), [](const cascade::Example& e) { return e.violation; }));
    std::fprintf(stderr,
                 "%zu example(s) for policy '%s' v%d (%zu from data, %zu from the decision log): %zu "
                 "violation(s)\n",
                 examples.size(), policy.id.c_str(), policy.version, from_data, from_log, positives);
    if (examples.size() < kMinExamples || positives == 0 || positives == examples.size()) {
        std::fprintf(stderr, "%s: need at least %zu examples with both violations and safe items\n", me,
                     kMinExamples);
        return kExitBadInput;
    }

    // Held-out quality: a seeded shuffle, the last part kept out of training.
    std::vector<cascade::Example> shuffled = examples;
    std::mt19937_64 rng(static_cast<uint64_t>(a.options.seed));
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    const auto held =
        std::max<size_t>(1, static_cast<size_t>(static_cast<double>(shuffled.size()) * a.holdout));
    const std::vector<cascade::Example> train(shuffled.begin(), shuffled.end() - static_cast<long>(held));
    const std::vector<cascade::Example> test(shuffled.end() - static_cast<long>(held), shuffled.end());
    nlohmann::ordered_json report;
    try {
        const cascade::FastClassifier model = cascade::FastClassifier::train(train, a.options);
        std::vector<bool> gold, predicted;
        std::vector<double> scores;
        for (const auto& e : test) {
            const double p = model.probability(e.text);
            gold.push_back(e.violation);
            scores.push_back(p);
            predicted.push_back(p >= 0.5);
        }
        const eval::Confusion c = eval::confusion(gold, predicted);
        const eval::ThresholdPoint t = eval::threshold_for_recall(gold, scores, a.target_recall);
        const double auc = eval::roc_auc(gold, scores);
        std::printf("held-out: %zu items (%zu trained on)\n", test.size(), train.size());
        std::printf("precision %.3f  recall %.3f  f1 %.3f  accuracy %.3f  roc_auc %.3f  (at P >= 0.5)\n",
                    eval::precision(c), eval::recall(c), eval::f1(c), eval::accuracy(c), auc);
        std::printf("for recall >= %.2f: safe_below %.4f (precision %.3f, recall %.3f)\n", a.target_recall,
                    t.threshold, t.precision, t.recall);
        report = {{"items", test.size()},
                  {"trained_on", train.size()},
                  {"precision", eval::precision(c)},
                  {"recall", eval::recall(c)},
                  {"f1", eval::f1(c)},
                  {"accuracy", eval::accuracy(c)},
                  {"roc_auc", auc},
                  {"target_recall", a.target_recall},
                  {"safe_below_for_target", t.threshold}};
    } catch (const cascade::FastModelError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return kExitBadInput;
    }

    // The stored model learns from every example.
    cascade::TrainOptions final_options = a.options;
    final_options.quantize = a.quantize;
    const std::filesystem::path path = cascade::fast_model_path(policy);
    try {
        cascade::FastClassifier::train(examples, final_options).save(path);
    } catch (const cascade::FastModelError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return kExitFailure;
    }
    nlohmann::ordered_json meta;
    meta["policy"] = policy.id;
    meta["policy_version"] = policy.version;
    meta["policy_sha256"] = cascade::policy_text_sha256(policy);
    meta["trained_at"] = utc_now();
    meta["examples"] = {{"total", examples.size()}, {"violations", positives}, {"from_data", from_data},
                        {"from_log", from_log},     {"data", a.data},          {"log", a.log}};
    meta["training"] = {{"epoch", final_options.epoch}, {"lr", final_options.lr},
                        {"dim", final_options.dim},     {"word_ngrams", final_options.word_ngrams},
                        {"minn", final_options.minn},   {"maxn", final_options.maxn},
                        {"seed", final_options.seed},   {"quantized", final_options.quantize}};
    meta["held_out"] = report;
    std::ofstream(cascade::fast_model_sidecar(policy)) << meta.dump(2) << "\n";
    std::printf("model: %s\n", path.c_str());
    return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand(
        "train",
        "Train a policy's fast classifier (the cascade's second tier) from labels or from the decision log; "
        "stores <policy dir>/<id>.v<version>.ftz");
    auto a = std::make_shared<TrainArgs>();
    cmd->add_option("--policy,-p", a->policy, "Policy file")->required()->check(CLI::ExistingFile);
    auto* data =
        cmd->add_option("--data,-d", a->data, "Labelled dataset: JSONL (.gz too) or CSV, as eval reads");
    auto* log = cmd->add_option("--from-log", a->log,
                                "Decision log (SQLite): distil the model's verdicts for this policy");
    cmd->add_option("--map", a->map,
                    "YAML mapping policy ids to dataset labels (default: any label positive)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--format", a->spec.format, "auto, openai-moderation, toxicchat, jsonl or csv")
        ->check(CLI::IsMember({"auto", "openai-moderation", "toxicchat", "jsonl", "csv"}))
        ->capture_default_str();
    cmd->add_option("--text-field", a->spec.text_field,
                    "Field with the text (or the prompt of a completion)");
    cmd->add_option("--response-field", a->spec.response_field, "Field with a completion's response");
    cmd->add_option("--label-field", a->spec.label_fields, "Label field (repeatable)");
    cmd->add_option("--holdout", a->holdout, "Share of examples held out to measure the model")
        ->check(CLI::Range(0.05, 0.5))
        ->capture_default_str();
    cmd->add_option("--target-recall", a->target_recall,
                    "Recall the suggested safe_below keeps on held-out items")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--epoch", a->options.epoch, "Training epochs")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--lr", a->options.lr, "Learning rate")
        ->check(CLI::Range(0.001, 10.0))
        ->capture_default_str();
    cmd->add_option("--minn", a->options.minn, "Shortest character n-gram (0: words only, much faster)")
        ->check(CLI::Range(0, 10))
        ->capture_default_str();
    cmd->add_option("--maxn", a->options.maxn, "Longest character n-gram")
        ->check(CLI::Range(0, 10))
        ->capture_default_str();
    cmd->add_option("--seed", a->options.seed, "Seed of the split and of training")->capture_default_str();
    cmd->add_flag("--quantize", a->quantize,
                  "Product-quantise the stored model: several times smaller, slightly less accurate, and "
                  "minutes to train");
    cmd->callback([&action, a, data, log] {
        if (data->count() == 0 && log->count() == 0) throw CLI::RequiredError("--data or --from-log");
        action = [a] { return run(*a); };
    });
}

}  // namespace arbiter::cli
