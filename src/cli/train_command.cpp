// arbiter train: trains a policy's fast classifier (the cascade's second tier) from labelled
// data, from the model's own verdicts in the decision log (distillation), or both; reports its
// cross-validated quality and thresholds chosen from out-of-fold scores, and stores it beside the policy,
// versioned with it.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cascade/cross_validation.h"
#include "cascade/fast_classifier.h"
#include "cascade/judged_text.h"
#include "cascade/thresholds.h"
#include "cli/command.h"
#include "cli/exact_number.h"
#include "core/policy_file.h"
#include "core/store_error.h"
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
    std::string learner = "linear";
    int folds = 5;
    int seed = 1;
    double target_recall = 0.95;
    double target_precision = 0.95;
    double confidence = 0.95;
    cascade::TrainOptions options;
};

// Fewest examples worth training on: below this the cross-validated numbers mean nothing.
constexpr size_t kMinExamples = 20;

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

// Reads the examples from the dataset and the decision log; prints why and returns false when
// they cannot be read.
bool gather(const TrainArgs& a, Policy& policy, std::vector<cascade::Example>& examples, size_t& from_data,
            size_t& from_log) {
    const char* me = "arbiter train";
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
        return false;
    } catch (const eval::DatasetError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return false;
    } catch (const StoreError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return false;
    }
    return true;
}

// Cross-validates the training procedure, prints its quality and the thresholds chosen from its
// out-of-fold scores, and returns them for the sidecar.
nlohmann::ordered_json cross_validate(const TrainArgs& a, const std::vector<cascade::Example>& examples) {
    const std::vector<int> folds =
        cascade::stratified_folds(examples, a.folds, static_cast<uint64_t>(a.seed));
    const std::vector<double> scores = cascade::out_of_fold_probabilities(examples, folds, a.options);
    std::vector<bool> gold, predicted;
    for (size_t i = 0; i < examples.size(); ++i) {
        gold.push_back(examples[i].violation);
        predicted.push_back(scores[i] >= 0.5);
    }
    const eval::Confusion c = eval::confusion(gold, predicted);
    const double auc = eval::roc_auc(gold, scores), ap = eval::average_precision(gold, scores);
    const cascade::ThresholdChoice t =
        cascade::choose_thresholds(gold, scores, a.target_recall, a.target_precision, a.confidence);
    std::printf("cross-validated (%d folds, %s): %zu items, roc_auc %.3f  pr_auc %.3f\n", a.folds,
                cascade::learner_name(a.options.learner), examples.size(), auc, ap);
    std::printf("at P >= 0.5: precision %.3f  recall %.3f  f1 %.3f  accuracy %.3f\n", eval::precision(c),
                eval::recall(c), eval::f1(c), eval::accuracy(c));
    if (t.recall_reachable) {
        std::printf(
            "for recall >= %s (%s%% lower bound): safe_below %s keeps recall %.3f (bound %.3f) "
            "out of fold\n",
            exact_number(a.target_recall).c_str(), exact_number(100 * a.confidence).c_str(),
            exact_number(t.safe_below).c_str(), t.recall_kept, t.recall_bound);
    } else {
        std::printf(
            "for recall >= %s (%s%% lower bound): %zu violation(s) are too few to promise it: "
            "safe_below 0 (nothing fast-safe)\n",
            exact_number(a.target_recall).c_str(), exact_number(100 * a.confidence).c_str(), t.violations);
    }
    if (t.precision_reachable) {
        std::printf("for precision >= %s: violate_above %s (precision %.3f, bound %.3f)\n",
                    exact_number(a.target_precision).c_str(), exact_number(t.violate_above).c_str(),
                    t.precision_above, t.precision_bound);
    } else {
        std::printf("for precision >= %s: not reachable: violate_above 1 (nothing a fast violation)\n",
                    exact_number(a.target_precision).c_str());
    }
    std::printf("expected share decided by the fast tier alone: %.1f%% (%.1f%% safe, %.1f%% violations)\n",
                100 * (t.share_safe + t.share_violation), 100 * t.share_safe, 100 * t.share_violation);
    return {{"folds", a.folds},
            {"items", examples.size()},
            {"roc_auc", auc},
            {"pr_auc", ap},
            {"at_0_5",
             {{"precision", eval::precision(c)},
              {"recall", eval::recall(c)},
              {"f1", eval::f1(c)},
              {"accuracy", eval::accuracy(c)}}},
            {"confidence", a.confidence},
            {"safe_below",
             {{"target_recall", a.target_recall},
              {"value", t.safe_below},
              {"reachable", t.recall_reachable},
              {"recall_kept", t.recall_kept},
              {"recall_lower_bound", t.recall_bound},
              {"share_decided", t.share_safe}}},
            {"violate_above",
             {{"target_precision", a.target_precision},
              {"value", t.violate_above},
              {"reachable", t.precision_reachable},
              {"precision", t.precision_above},
              {"precision_lower_bound", t.precision_bound},
              {"share_decided", t.share_violation}}},
            {"share_decided_alone", t.share_safe + t.share_violation}};
}

nlohmann::ordered_json training_options(const cascade::TrainOptions& o) {
    if (o.learner == cascade::Learner::linear) {
        const cascade::FeatureSpec& f = o.linear.features;
        return {{"learner", "linear"},          {"c", o.linear.c}, {"min_df", o.linear.min_df},
                {"word_ngrams", f.word_ngrams}, {"minn", f.minn},  {"maxn", f.maxn}};
    }
    const cascade::FastTextOptions& f = o.fasttext;
    return {{"learner", "fasttext"},        {"epoch", f.epoch}, {"lr", f.lr},     {"dim", f.dim},
            {"word_ngrams", f.word_ngrams}, {"minn", f.minn},   {"maxn", f.maxn}, {"seed", f.seed},
            {"quantized", f.quantize}};
}

int run(TrainArgs a) {
    const char* me = "arbiter train";
    a.options.fasttext.seed = a.seed;
    Policy policy;
    std::vector<cascade::Example> examples;
    size_t from_data = 0, from_log = 0;
    if (!gather(a, policy, examples, from_data, from_log)) return kExitBadInput;
    const size_t positives = static_cast<size_t>(std::count_if(
        examples.begin(), examples.end(), [](const cascade::Example& e) { return e.violation; }));
    std::fprintf(stderr,
                 "%zu example(s) for policy '%s' v%d (%zu from data, %zu from the decision log): %zu "
                 "violation(s)\n",
                 examples.size(), policy.id.c_str(), policy.version, from_data, from_log, positives);
    const auto folds = static_cast<size_t>(a.folds);
    if (examples.size() < kMinExamples || positives < folds || examples.size() - positives < folds) {
        std::fprintf(stderr,
                     "%s: need at least %zu examples with violations and safe items (%zu of each, one per "
                     "fold)\n",
                     me, kMinExamples, folds);
        return kExitBadInput;
    }
    // --learner auto: both learners cross-validated on the same folds; the higher out-of-fold
    // PR-AUC is kept (neither wins on every labelled set: bench/RESULTS.md).
    std::vector<cascade::Learner> learners;
    if (a.learner != "fasttext") learners.push_back(cascade::Learner::linear);
    if (a.learner != "linear") learners.push_back(cascade::Learner::fasttext);
    nlohmann::ordered_json report, compared = nlohmann::ordered_json::object();
    cascade::Learner chosen = learners.front();
    try {
        for (const cascade::Learner learner : learners) {
            a.options.learner = learner;
            nlohmann::ordered_json r = cross_validate(a, examples);
            if (report.is_null() || r["pr_auc"].get<double>() > report["pr_auc"].get<double>()) {
                report = r;
                chosen = learner;
            }
            compared[cascade::learner_name(learner)] = {{"roc_auc", r["roc_auc"]}, {"pr_auc", r["pr_auc"]}};
        }
    } catch (const cascade::FastModelError& e) {
        std::fprintf(stderr, "%s: %s\n", me, e.what());
        return kExitBadInput;
    }
    a.options.learner = chosen;
    if (learners.size() > 1)
        std::printf("chosen: %s (the higher out-of-fold PR-AUC)\n", cascade::learner_name(chosen));
    std::printf("front matter: cascade: {fast: true, safe_below: %s, violate_above: %s}\n",
                exact_number(report["safe_below"]["value"].get<double>()).c_str(),
                exact_number(report["violate_above"]["value"].get<double>()).c_str());
    if (learners.size() > 1) report["learners_compared"] = compared;

    // The stored model: the same procedure the folds measured, on every example.
    const std::filesystem::path path = cascade::fast_model_path(policy);
    try {
        cascade::FastClassifier::train(examples, a.options).save(path);
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
    meta["training"] = training_options(a.options);
    meta["cross_validated"] = report;
    std::ofstream(cascade::fast_model_sidecar(policy)) << meta.dump(2) << "\n";
    std::printf("model: %s (%s, %s bytes)\n", path.c_str(), cascade::learner_name(a.options.learner),
                std::to_string(std::filesystem::file_size(path)).c_str());
    return kExitOk;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand(
        "train",
        "Train a policy's fast classifier (the cascade's second tier) from labels or from the decision log; "
        "stores <policy dir>/<id>.v<version>.fast");
    auto a = std::make_shared<TrainArgs>();
    cmd->add_option("--policy,-p", a->policy, "Policy file")->required()->check(CLI::ExistingFile);
    auto* data =
        cmd->add_option("--data,-d", a->data, "Labelled dataset: JSONL (.gz too) or CSV, as eval reads");
    auto* log = cmd->add_option(
        "--from-log", a->log,
        "Decision log (a SQLite file or a postgresql:// URL): distil the model's verdicts for this policy");
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
    cmd->add_option("--learner", a->learner,
                    "linear (TF-IDF word and character n-grams, liblinear), fasttext, or auto (both "
                    "cross-validated, the "
                    "better kept)")
        ->check(CLI::IsMember({"linear", "fasttext", "auto"}))
        ->capture_default_str();
    cmd->add_option("--folds", a->folds, "Cross-validation folds (quality and thresholds come from them)")
        ->check(CLI::Range(2, 20))
        ->capture_default_str();
    cmd->add_option("--target-recall", a->target_recall,
                    "Recall the recommended safe_below keeps (a lower confidence bound, out of fold)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--target-precision", a->target_precision,
                    "Precision of what scores above the recommended violate_above (lower bound)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--confidence", a->confidence, "Confidence of those lower bounds")
        ->check(CLI::Range(0.5, 0.999))
        ->capture_default_str();
    cmd->add_option("--c", a->options.linear.c, "linear: inverse regularisation strength")
        ->check(CLI::Range(1e-4, 1e4))
        ->capture_default_str();
    cmd->add_option("--min-df", a->options.linear.min_df,
                    "linear: least number of training texts a feature must be in to be kept")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    auto* minn =
        cmd->add_option("--minn", a->options.linear.features.minn,
                        "Shortest character n-gram (0: words only), both learners (fasttext's default: " +
                            std::to_string(cascade::FastTextOptions{}.minn) + ")")
            ->check(CLI::Range(0, 10))
            ->capture_default_str();
    auto* maxn =
        cmd->add_option("--maxn", a->options.linear.features.maxn, "Longest character n-gram, both learners")
            ->check(CLI::Range(0, 10))
            ->capture_default_str();
    cmd->add_option("--epoch", a->options.fasttext.epoch, "fasttext: training epochs")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--lr", a->options.fasttext.lr, "fasttext: learning rate")
        ->check(CLI::Range(0.001, 10.0))
        ->capture_default_str();
    cmd->add_option("--seed", a->seed, "Seed of the folds (and of fastText)")->capture_default_str();
    cmd->add_flag("--quantize", a->options.fasttext.quantize,
                  "fasttext: product-quantise the model: several times smaller, slightly less accurate, "
                  "minutes to train");
    cmd->callback([&action, a, data, log, minn, maxn] {
        if (data->count() == 0 && log->count() == 0) throw CLI::RequiredError("--data or --from-log");
        // One pair of n-gram options for both learners when given; otherwise each keeps its own
        // default (the linear model measured best with single characters too, fastText without).
        if (minn->count() > 0) a->options.fasttext.minn = a->options.linear.features.minn;
        if (maxn->count() > 0) a->options.fasttext.maxn = a->options.linear.features.maxn;
        action = [a] { return run(*a); };
    });
}

}  // namespace arbiter::cli
