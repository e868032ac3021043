// arbiter eval: run a labelled dataset through policies and measure them, or recompute the
// measurements from an earlier run's predictions.

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/backend_flags.h"
#include "cli/cascade_flag.h"
#include "cli/command.h"
#include "cli/exact_number.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "cli/reviewed_dataset.h"
#include "core/content_layout.h"
#include "core/policy_file.h"
#include "core/store_error.h"
#include "core/utf8.h"
#include "core/verdict_json.h"
#include "eval/comparison.h"
#include "eval/dataset.h"
#include "eval/evaluation.h"
#include "eval/label_map.h"
#include "eval/predictions.h"
#include "eval/report.h"
#include "storage/database.h"

namespace arbiter::cli {

namespace {

struct EvalArgs {
    BackendFlags backend;
    std::vector<std::string> policies;
    std::string data;
    std::string reviewed;  // a database whose reviews are the dataset, instead of --data
    std::string map;
    std::string mode = "reason";
    size_t limit = 0;
    std::string out = "eval-out";
    std::string replay;
    std::vector<std::string> compare;
    eval::DatasetSpec spec;
    std::string label_constant;
    std::string cascade = "auto";
    double target_recall = 0.95;
};

// Longest content kept in a prediction, for reports; the dataset has the rest.
constexpr size_t kContentInPrediction = 4000;

// Writes metrics.json and report.html beside the predictions and prints the headline numbers.
int write_metrics(const std::filesystem::path& out, const std::vector<eval::Prediction>& predictions,
                  const std::string& title, double target_recall,
                  const std::map<std::string, eval::FastThresholds>& configured = {}) {
    const nlohmann::ordered_json metrics = eval::evaluate(predictions, 1000, target_recall, configured);
    std::ofstream(out / "metrics.json") << metrics.dump(2) << "\n";
    std::ofstream(out / "report.html") << eval::render_report(metrics, predictions, title);
    std::printf("%-20s %6s %9s %9s %9s %9s %8s\n", "policy", "items", "precision", "recall", "f1", "accuracy",
                "roc_auc");
    for (const auto& p : metrics["policies"]) {
        std::printf("%-20s %6zu %9.3f %9.3f %9.3f %9.3f %8s\n", p["policy"].get<std::string>().c_str(),
                    p["evaluated"].get<size_t>(), p["precision"]["value"].get<double>(),
                    p["recall"]["value"].get<double>(), p["f1"]["value"].get<double>(),
                    p["accuracy"]["value"].get<double>(),
                    p.contains("roc_auc") && !p["roc_auc"].is_null()
                        ? std::to_string(p["roc_auc"].get<double>()).substr(0, 5).c_str()
                        : "-");
    }
    std::printf("multi-policy accuracy %.3f over %zu items; metrics.json and report.html in %s\n",
                metrics["multi_policy_accuracy"]["value"].get<double>(),
                metrics["multi_policy_accuracy"]["items"].get<size_t>(), out.c_str());
    const auto& tiers = metrics["tiers"];
    if (tiers["model"]["share"].get<double>() < 1.0) {
        std::printf("cascade: rules %.1f%%, fast %.1f%%, model %.1f%% of verdicts",
                    100 * tiers["rules"]["share"].get<double>(), 100 * tiers["fast"]["share"].get<double>(),
                    100 * tiers["model"]["share"].get<double>());
        const auto& vs = metrics["cascade_cost"]["vs_reasoning_everything"];
        if (!vs.is_null())
            std::printf("; model tokens %.2fx of reasoning everything (estimated)",
                        vs["token_ratio"].get<double>());
        std::printf("\n");
    }
    for (const auto& p : metrics["policies"]) {
        if (!p.contains("fast_tier")) continue;
        const auto& fast = p["fast_tier"];
        const auto& s = fast["safe_below_for_recall"];
        std::printf("%s: fast tier safe_below %s keeps recall %.3f on these items (target %s)\n",
                    p["policy"].get<std::string>().c_str(),
                    exact_number(s["safe_below"].get<double>()).c_str(), s["recall"].get<double>(),
                    exact_number(s["target_recall"].get<double>()).c_str());
        if (fast.contains("configured")) {
            const auto& c = fast["configured"];
            std::printf(
                "%s: configured safe_below %s keeps recall %s; the fast tier decides %.1f%% alone\n",
                p["policy"].get<std::string>().c_str(), exact_number(c["safe_below"].get<double>()).c_str(),
                c["recall_kept"].is_null() ? "-" : exact_number(c["recall_kept"].get<double>()).c_str(),
                100 * c["share_decided"].get<double>());
        }
    }
    return kExitOk;
}

int replay(const EvalArgs& a) {
    try {
        const std::vector<eval::Prediction> predictions = eval::read_predictions(a.replay);
        std::filesystem::create_directories(a.out);
        return write_metrics(a.out, predictions, "arbiter eval: " + a.replay, a.target_recall);
    } catch (const eval::DatasetError& e) {
        std::fprintf(stderr, "arbiter eval: %s\n", e.what());
        return kExitBadInput;
    }
}

int compare(const EvalArgs& a) {
    try {
        const nlohmann::ordered_json c =
            eval::compare(eval::read_predictions(a.compare[0]), eval::read_predictions(a.compare[1]));
        std::filesystem::create_directories(a.out);
        std::ofstream(std::filesystem::path(a.out) / "comparison.json") << c.dump(2) << "\n";
        std::printf("%-20s %8s %8s %8s %8s %10s\n", "policy", "compared", "flipped", "d_f1", "d_acc",
                    "mcnemar_p");
        for (const auto& p : c["policies"]) {
            std::printf("%-20s %8zu %8zu %+8.3f %+8.3f %10.4f\n", p["policy"].get<std::string>().c_str(),
                        p["compared"].get<size_t>(), p["flipped"].get<size_t>(),
                        p["delta"]["f1"].get<double>(), p["delta"]["accuracy"].get<double>(),
                        p["mcnemar"]["p_value"].get<double>());
        }
        for (const auto& f : c["flips"]) {
            std::printf("\n%s / %s: %s -> %s (gold: %s)\n  before: %s\n  after:  %s\n",
                        f["id"].get<std::string>().c_str(), f["policy"].get<std::string>().c_str(),
                        f["before"]["violation"].get<bool>() ? "violates" : "safe",
                        f["after"]["violation"].get<bool>() ? "violates" : "safe",
                        f["gold"].is_null() ? "unknown" : (f["gold"].get<bool>() ? "violates" : "safe"),
                        valid_utf8(f["before"]["rationale"].get<std::string>()).substr(0, 300).c_str(),
                        valid_utf8(f["after"]["rationale"].get<std::string>()).substr(0, 300).c_str());
        }
        std::printf("\ncomparison.json in %s\n", a.out.c_str());
        return kExitOk;
    } catch (const eval::DatasetError& e) {
        std::fprintf(stderr, "arbiter eval: %s\n", e.what());
        return kExitBadInput;
    }
}

int bad_input(const std::exception& e) {
    std::fprintf(stderr, "arbiter eval: %s\n", e.what());
    return kExitBadInput;
}

// What an evaluation reads before any model runs: the policies (and their cascade), the dataset
// and the label map, checked against each other.
struct EvalInputs {
    std::vector<std::shared_ptr<const Policy>> policies;
    std::shared_ptr<const cascade::Cascade> cascade;
    eval::Dataset dataset;
    eval::LabelMap map;
};

// Throws PolicyError, cascade::FastModelError or eval::DatasetError.
EvalInputs read_inputs(const EvalArgs& a) {
    EvalInputs in;
    in.policies = load_policy_files(a.policies);
    in.cascade = make_cascade(a.cascade, in.policies);
    eval::DatasetSpec spec = a.spec;
    if (!a.label_constant.empty()) spec.label_constant = a.label_constant;
    const std::string source = a.reviewed.empty() ? a.data : storage::without_password(a.reviewed);
    if (a.reviewed.empty()) {
        in.dataset = eval::read_dataset(a.data, spec, a.limit);
    } else {
        std::vector<std::string> ids;
        for (const auto& policy : in.policies) ids.push_back(policy->id);
        in.dataset = reviewed_dataset(a.reviewed, ids, a.limit);
        in.map = own_labels(ids);
    }
    if (!a.map.empty()) in.map = eval::read_label_map(a.map);
    const std::vector<std::string>& names = in.dataset.label_names;
    for (const auto& [policy, labels] : in.map) {
        for (const std::string& l : labels) {
            if (std::find(names.begin(), names.end(), l) == names.end())
                throw eval::DatasetError(a.map + ": policy '" + policy + "' maps to label '" + l +
                                         "', which the dataset does not have");
        }
    }
    std::set<std::string> ids;
    for (const auto& item : in.dataset.items) {
        if (!ids.insert(item.id).second)
            throw eval::DatasetError(source + ": id '" + item.id + "' appears twice");
    }
    return in;
}

// One (item, policy) judgement still to make.
struct Pending {
    size_t item;
    std::shared_ptr<const Policy> policy;
};

// Judges `todo` on the backend, a window at a time, appending each verdict to `predictions` as
// one flushed line (an interrupted run loses at most the items in flight). Returns an exit code.
int predict(const EvalArgs& a, const EvalInputs& in, const std::vector<Pending>& todo,
            const std::filesystem::path& predictions) {
    BackendSettings settings;
    std::unique_ptr<Pipeline> pipeline;
    try {
        settings = resolve_backend(a.backend, in.policies.size());
        pipeline = std::make_unique<Pipeline>(settings, in.cascade);
    } catch (const BackendError& e) {
        std::fprintf(stderr, "arbiter eval: %s\n", e.what());
        return kExitBadInput;
    }
    Backend& backend = pipeline->backend();
    std::ofstream file(predictions, std::ios::app | std::ios::binary);
    std::mutex mutex;
    std::condition_variable finished;
    size_t completed = 0;
    Progress progress(todo.size());
    const size_t window = settings.window();
    for (size_t submitted = 0; submitted < todo.size(); ++submitted) {
        {
            std::unique_lock lock(mutex);
            finished.wait(lock, [&] { return submitted - completed < window; });
            progress.update(completed);
        }
        const eval::LabeledItem& item = in.dataset.items[todo[submitted].item];
        Job job;
        job.policy = todo[submitted].policy;
        job.content = item.content;
        job.mode = parse_mode(a.mode).value_or(Mode::reason);  // CLI11 allows reason and score only
        job.seed = settings.seed;
        const std::optional<bool> gold = eval::gold_label(item, job.policy->id, in.map);
        backend.submit(
            std::move(job), [&, id = item.id, gold, content = user_message(item.content)](const Verdict& v) {
                nlohmann::ordered_json line = verdict_to_json(id, v);
                line["gold"] = gold ? nlohmann::ordered_json(*gold) : nlohmann::ordered_json(nullptr);
                line["content"] = valid_utf8(std::string_view(content).substr(0, kContentInPrediction));
                std::lock_guard lock(mutex);
                file << to_json_line(line) << "\n" << std::flush;
                ++completed;
                finished.notify_all();
            });
    }
    std::unique_lock lock(mutex);
    finished.wait(lock, [&] { return completed == todo.size(); });
    progress.update(completed);
    return kExitOk;
}

int run(const EvalArgs& a) {
    EvalInputs in;
    try {
        in = read_inputs(a);
    } catch (const PolicyError& e) {
        return bad_input(e);
    } catch (const cascade::FastModelError& e) {
        return bad_input(e);
    } catch (const eval::DatasetError& e) {
        return bad_input(e);
    } catch (const StoreError& e) {
        return bad_input(e);
    }

    // Resume: predictions already written by an interrupted run are kept, not redone.
    const std::filesystem::path out = a.out;
    std::filesystem::create_directories(out);
    const std::filesystem::path predictions_path = out / "predictions.jsonl";
    std::set<std::pair<std::string, std::string>> done;
    if (std::filesystem::exists(predictions_path)) {
        try {
            for (const auto& p : eval::read_predictions(predictions_path)) done.insert({p.id, p.policy});
        } catch (const eval::DatasetError& e) {
            std::fprintf(stderr, "arbiter eval: %s (remove it to start over)\n", e.what());
            return kExitBadInput;
        }
        std::fprintf(stderr, "resuming: %zu predictions already in %s\n", done.size(),
                     predictions_path.c_str());
    }
    std::vector<Pending> todo;
    for (size_t i = 0; i < in.dataset.items.size(); ++i) {
        for (const auto& p : in.policies) {
            if (!done.contains({in.dataset.items[i].id, p->id})) todo.push_back({i, p});
        }
    }
    if (!todo.empty()) {
        if (const int status = predict(a, in, todo, predictions_path); status != kExitOk) return status;
    }

    std::map<std::string, eval::FastThresholds> configured;
    for (const auto& p : in.policies) {
        if (p->cascade.fast) configured[p->id] = {p->cascade.safe_below, p->cascade.violate_above};
    }
    try {
        return write_metrics(
            out, eval::read_predictions(predictions_path),
            "arbiter eval: " +
                (a.reviewed.empty() ? a.data : "reviews in " + storage::without_password(a.reviewed)),
            a.target_recall, configured);
    } catch (const eval::DatasetError& e) {
        std::fprintf(stderr, "arbiter eval: %s\n", e.what());
        return kExitFailure;
    }
}

}  // namespace

void add_eval_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand(
        "eval", "Run a labelled dataset through policies and write predictions.jsonl and metrics.json");
    auto a = std::make_shared<EvalArgs>();
    add_backend_flags(*cmd, a->backend);
    auto* policy = cmd->add_option("--policy,-p", a->policies, "Policy file or folder (repeatable)")
                       ->check(CLI::ExistingPath);
    auto* data =
        cmd->add_option("--data,-d", a->data, "Dataset: JSONL (.gz too) or CSV")->check(CLI::ExistingFile);
    auto* reviewed = cmd->add_option(
        "--reviewed", a->reviewed,
        "Dataset: the items people reviewed for these policies in a database (a SQLite file or "
        "a postgresql:// URL), as the console's labelled sets; each policy is measured on its own "
        "labels");
    reviewed->excludes(data);
    cmd->add_option("--map", a->map,
                    "YAML mapping policy ids to dataset labels (default: any label positive)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--mode", a->mode, "reason or score (score adds ROC-AUC, PR-AUC and a threshold sweep)")
        ->check(CLI::IsMember({"reason", "score"}))
        ->capture_default_str();
    cmd->add_option("--limit", a->limit, "Evaluate only the first N items");
    cmd->add_option("--out,-o", a->out, "Output folder; a run there is resumed, not redone")
        ->capture_default_str();
    auto* replay_opt =
        cmd->add_option("--replay", a->replay, "Recompute metrics from a predictions.jsonl, without a model")
            ->check(CLI::ExistingFile);
    cmd->add_option("--format", a->spec.format, "auto, openai-moderation, toxicchat, jsonl or csv")
        ->check(CLI::IsMember({"auto", "openai-moderation", "toxicchat", "jsonl", "csv"}))
        ->capture_default_str();
    cmd->add_option("--id-field", a->spec.id_field, "Field with the item id (default: id, else the row)");
    cmd->add_option("--text-field", a->spec.text_field,
                    "Field with the text (or the prompt of a completion)");
    cmd->add_option("--response-field", a->spec.response_field, "Field with a completion's response");
    cmd->add_option("--label-field", a->spec.label_fields, "Label field (repeatable)");
    cmd->add_option("--label-constant", a->label_constant, "Give every item this label (e.g. unsafe)");
    auto* compare_opt =
        cmd->add_option("--compare", a->compare,
                        "OLD.jsonl NEW.jsonl: flipped verdicts and metric deltas with McNemar's test")
            ->expected(2)
            ->check(CLI::ExistingFile);
    replay_opt->excludes(policy)->excludes(data)->excludes(compare_opt)->excludes(reviewed);
    compare_opt->excludes(policy)->excludes(data)->excludes(reviewed);
    add_cascade_flag(*cmd, a->cascade);
    cmd->add_option("--target-recall", a->target_recall,
                    "Recall the fast tier's suggested safe_below keeps (metrics.json: fast_tier)")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->callback([&action, a, replay_opt, compare_opt, policy, data, reviewed] {
        if (replay_opt->count() > 0) {
            action = [a] { return replay(*a); };
            return;
        }
        if (compare_opt->count() > 0) {
            action = [a] { return compare(*a); };
            return;
        }
        if (policy->count() == 0 || (data->count() == 0 && reviewed->count() == 0)) {
            throw CLI::RequiredError("--policy and --data or --reviewed (or --replay)");
        }
        action = [a] { return run(*a); };
    });
}

}  // namespace arbiter::cli
