// arbiter classify: every item against every policy, on the chosen backend, as JSONL.

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/backend_flags.h"
#include "cli/cascade_flag.h"
#include "cli/command.h"
#include "cli/input_items.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "core/policy_file.h"
#include "core/verdict_json.h"

namespace arbiter::cli {

namespace {

struct ClassifyArgs {
    BackendFlags backend;
    std::vector<std::string> policies;
    std::optional<std::string> text;
    std::string input;
    std::string kind;
    std::string mode = "reason";
    std::string effort;
    std::string output;
    bool combined = false;
    std::string cascade = "auto";
};

std::optional<ContentKind> parse_kind(const std::string& kind) {
    if (kind == "message") return ContentKind::message;
    if (kind == "completion") return ContentKind::completion;
    if (kind == "conversation") return ContentKind::conversation;
    return std::nullopt;
}

// Collects verdicts as they arrive (in any order) and writes them in input order: one line per
// (item, policy), or with `combined` one line per item with every verdict and the policies
// violated.
class OrderedWriter {
public:
    OrderedWriter(std::FILE* out, size_t per_item, bool combined)
        : out_(out), per_item_(per_item), combined_(combined) {}

    void put(size_t item, size_t policy, nlohmann::ordered_json verdict, VerdictStatus status) {
        std::lock_guard lock(mutex_);
        auto& slots = pending_[item];
        slots.resize(per_item_);
        slots[policy] = std::move(verdict);
        counts_[status]++;
        for (auto it = pending_.find(next_item_); it != pending_.end(); it = pending_.find(next_item_)) {
            auto& verdicts = it->second;
            if (std::any_of(verdicts.begin(), verdicts.end(), [](const auto& v) { return v.is_null(); }))
                break;
            write(verdicts);
            pending_.erase(it);
            ++next_item_;
        }
        std::fflush(out_);
        changed_.notify_all();
    }

    // Waits until fewer than `limit` items are unfinished after the first `submitted`.
    void wait_below(size_t submitted, size_t limit) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return submitted - next_item_ < limit; });
    }

    size_t items_done() {
        std::lock_guard lock(mutex_);
        return next_item_;
    }

    std::map<VerdictStatus, size_t> counts() {
        std::lock_guard lock(mutex_);
        return counts_;
    }

private:
    void write(const std::vector<nlohmann::ordered_json>& verdicts) {
        if (!combined_) {
            for (const auto& v : verdicts) std::fprintf(out_, "%s\n", to_json_line(v).c_str());
            return;
        }
        nlohmann::ordered_json line;
        line["id"] = verdicts.front()["id"];
        line["verdicts"] = verdicts;
        line["violations"] = nlohmann::ordered_json::array();
        for (const auto& v : verdicts) {
            if (v["violation"] == true) line["violations"].push_back(v["policy"]);
        }
        std::fprintf(out_, "%s\n", to_json_line(line).c_str());
    }

    std::FILE* out_;
    size_t per_item_;
    bool combined_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<size_t, std::vector<nlohmann::ordered_json>> pending_;
    std::map<VerdictStatus, size_t> counts_;
    size_t next_item_ = 0;
};

size_t count_lines(const std::string& path) {
    std::ifstream in(path);
    size_t n = 0;
    std::string line;
    while (std::getline(in, line)) n += line.find_first_not_of(" \t\r") != std::string::npos ? 1 : 0;
    return n;
}

// Submits every item `reader` gives against every policy, a window of items at a time, each
// verdict to `writer`; an item that could not be read gets an error verdict per policy. Returns
// how many items were read.
size_t submit_all(const ClassifyArgs& a, const std::vector<std::shared_ptr<const Policy>>& policies,
                  const BackendSettings& settings, Backend& backend, InputReader& reader,
                  OrderedWriter& writer, Progress& progress) {
    const Mode mode = parse_mode(a.mode).value_or(Mode::reason);  // CLI11 allows reason and score only
    const size_t window = settings.window();
    size_t submitted = 0;
    while (std::optional<InputItem> item = reader.next()) {
        writer.wait_below(submitted, window);
        progress.update(writer.items_done());
        const size_t index = submitted++;
        for (size_t p = 0; p < policies.size(); ++p) {
            if (!item->content) {
                Verdict v = verdict_for(*policies[p]);
                v.error = item->error;
                writer.put(index, p, verdict_to_json(item->id, v), v.status);
                continue;
            }
            Job job;
            job.policy = policies[p];
            job.content = *item->content;
            job.mode = mode;
            if (!a.effort.empty()) job.effort = parse_reasoning_effort(a.effort);
            job.seed = settings.seed;
            backend.submit(std::move(job), [&writer, index, p, id = item->id](const Verdict& v) {
                writer.put(index, p, verdict_to_json(id, v), v.status);
            });
        }
    }
    return submitted;
}

int run(const ClassifyArgs& a) {
    std::vector<std::shared_ptr<const Policy>> policies;
    std::shared_ptr<const cascade::Cascade> cascade;
    try {
        policies = load_policy_files(a.policies);
        cascade = make_cascade(a.cascade, policies);
    } catch (const PolicyError& e) {
        std::fprintf(stderr, "arbiter classify: %s\n", e.what());
        return kExitBadInput;
    } catch (const cascade::FastModelError& e) {
        std::fprintf(stderr, "arbiter classify: %s\n", e.what());
        return kExitBadInput;
    }

    std::ifstream file;
    std::istream* in = &std::cin;
    std::istringstream single;
    size_t total = 0;
    if (a.text) {
        single.str(nlohmann::json{{"id", "1"}, {"text", *a.text}}.dump(
                       -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                   "\n");
        in = &single;
        total = 1;
    } else if (a.input != "-") {
        file.open(a.input, std::ios::binary);
        if (!file) {
            std::fprintf(stderr, "arbiter classify: %s: cannot be read\n", a.input.c_str());
            return kExitBadInput;
        }
        in = &file;
        total = count_lines(a.input);
    }

    std::FILE* out = stdout;
    if (!a.output.empty()) {
        out = std::fopen(a.output.c_str(), "w");
        if (out == nullptr) {
            std::fprintf(stderr, "arbiter classify: cannot write %s\n", a.output.c_str());
            return kExitBadInput;
        }
    }

    BackendSettings settings;
    std::unique_ptr<Pipeline> pipeline;
    try {
        settings = resolve_backend(a.backend, policies.size());
        pipeline = std::make_unique<Pipeline>(settings, cascade);
    } catch (const BackendError& e) {
        std::fprintf(stderr, "arbiter classify: %s\n", e.what());
        if (out != stdout) std::fclose(out);
        return kExitBadInput;
    }
    Backend& backend = pipeline->backend();

    OrderedWriter writer(out, policies.size(), a.combined);
    Progress progress(total);
    InputReader reader(*in, parse_kind(a.kind));
    const size_t submitted = submit_all(a, policies, settings, backend, reader, writer, progress);
    writer.wait_below(submitted, 1);
    progress.update(writer.items_done());
    pipeline.reset();
    if (out != stdout) std::fclose(out);

    const auto counts = writer.counts();
    const auto count = [&](VerdictStatus s) { return counts.contains(s) ? counts.at(s) : 0; };
    std::fprintf(stderr, "%zu item(s) x %zu polic%s: %zu ok, %zu unparseable, %zu error\n", submitted,
                 policies.size(), policies.size() == 1 ? "y" : "ies", count(VerdictStatus::ok),
                 count(VerdictStatus::unparseable), count(VerdictStatus::error));
    return count(VerdictStatus::error) > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_classify_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand("classify",
                                       "Classify items against policies (embedded engine or remote servers); "
                                       "prints one JSON line per (item, policy)");
    auto a = std::make_shared<ClassifyArgs>();
    add_backend_flags(*cmd, a->backend);
    cmd->add_option("--policy,-p", a->policies, "Policy file or folder of *.md policies (repeatable)")
        ->required()
        ->check(CLI::ExistingPath);
    auto* text = cmd->add_option("--text,-t", a->text, "One message to classify");
    auto* input = cmd->add_option("--input,-i", a->input,
                                  "JSONL items: {\"id\",\"text\"} | {\"id\",\"prompt\",\"response\"} | "
                                  "{\"id\",\"messages\"}; - reads standard input");
    text->excludes(input);
    cmd->add_option("--kind", a->kind, "Require every item to be of this kind")
        ->check(CLI::IsMember({"message", "completion", "conversation"}));
    cmd->add_option("--mode", a->mode,
                    "reason: the model reasons, then answers in the policy's format; score: P(violation) "
                    "from one forward pass, no reasoning")
        ->check(CLI::IsMember({"reason", "score"}))
        ->capture_default_str();
    cmd->add_option("--effort", a->effort, "Reasoning effort (default: each policy's)")
        ->check(CLI::IsMember({"low", "medium", "high"}));
    cmd->add_option("--output,-o", a->output, "Write JSONL here instead of standard output");
    cmd->add_flag("--combined", a->combined,
                  "One line per item: {\"id\", \"verdicts\": [...], \"violations\": [policy ids violated]}");
    add_cascade_flag(*cmd, a->cascade);
    cmd->callback([&action, a, text, input] {
        if (text->count() == 0 && input->count() == 0) throw CLI::RequiredError("--text or --input");
        action = [a] { return run(*a); };
    });
}

}  // namespace arbiter::cli
