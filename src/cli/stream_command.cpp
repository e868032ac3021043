// arbiter stream: replays completions as streams on the backend, the way a chat product
// would send a growing answer, and prints every check and each stream's final verdict. For
// trying stream decisions on real data and for measuring what streaming costs.

#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cli/backend_flags.h"
#include "cli/command.h"
#include "cli/input_items.h"
#include "cli/pipeline.h"
#include "core/policy_file.h"
#include "llama/tokenizer_file.h"

namespace arbiter::cli {

namespace {

struct StreamArgs {
    BackendFlags backend;
    std::vector<std::string> policies;
    std::string input;
    int chunk_tokens = 4;
    int check_every = 16;
    double threshold = 0.5;
    int consecutive = 1;
    bool at_sentence_ends = false;
    int concurrent = 4;
};

std::string line(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Prints events as they come (one engine thread) and counts the streams still open.
class Printer {
public:
    explicit Printer(const std::vector<std::shared_ptr<const Policy>>& policies) : policies_(policies) {}

    void check(const std::string& id, const StreamCheck& c) {
        nlohmann::ordered_json j = {{"id", id},
                                    {"policy", policies_[c.policy]->id},
                                    {"offset_bytes", c.offset_bytes},
                                    {"offset_tokens", c.offset_tokens},
                                    {"probability", c.probability},
                                    {"state", check_state_name(c.state)}};
        if (c.final) j["final"] = true;
        std::printf("%s\n", line(j).c_str());
        std::fflush(stdout);
    }

    void end(const std::string& id, const StreamEnd& e) {
        nlohmann::ordered_json results = nlohmann::ordered_json::array();
        nlohmann::ordered_json flagged = nlohmann::ordered_json::array();
        for (const StreamPolicyResult& r : e.policies) {
            nlohmann::ordered_json p = {{"policy", r.policy},
                                        {"flagged", r.flagged},
                                        {"final_probability", r.final_probability},
                                        {"max_probability", r.max_probability},
                                        {"checks", r.checks}};
            if (r.flagged_at_bytes) p["flagged_at_bytes"] = *r.flagged_at_bytes;
            if (r.flagged) flagged.push_back(r.policy);
            results.push_back(std::move(p));
        }
        nlohmann::ordered_json j = {{"id", id}, {"verdict", e.ok ? "ok" : "error"}};
        if (!e.ok) j["error"] = e.error;
        j["flagged"] = flagged;
        j["policies"] = results;
        j["usage"] = {{"prompt_tokens", e.prompt_tokens},
                      {"cached_tokens", e.cached_tokens},
                      {"response_tokens", e.response_tokens},
                      {"response_bytes", e.response_bytes}};
        std::printf("%s\n", line(j).c_str());
        std::fflush(stdout);
        std::lock_guard lock(mutex_);
        --open_;
        failed_ += e.ok ? 0 : 1;
        changed_.notify_all();
    }

    void opened() {
        std::lock_guard lock(mutex_);
        ++open_;
    }
    void wait_below(int n) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return open_ < n; });
    }
    int failed() {
        std::lock_guard lock(mutex_);
        return failed_;
    }

private:
    const std::vector<std::shared_ptr<const Policy>>& policies_;
    std::mutex mutex_;
    std::condition_variable changed_;
    int open_ = 0;
    int failed_ = 0;
};

// The response into `stream` as a generator would send it, `chunk_tokens` tokens per append (so a
// chunk may end inside a character), then the close.
void replay(StreamBackend& streams, StreamId stream, const harmony::Tokenizer& tokens,
            const std::string& response, int chunk_tokens) {
    std::string chunk;
    int in_chunk = 0;
    for (const int32_t t : tokens.tokenize_text(response)) {
        chunk += tokens.piece(t);
        if (++in_chunk == chunk_tokens) {
            streams.append_stream(stream, chunk);
            chunk.clear();
            in_chunk = 0;
        }
    }
    if (!chunk.empty()) streams.append_stream(stream, chunk);
    streams.close_stream(stream);
}

int run(const StreamArgs& a) {
    std::vector<std::shared_ptr<const Policy>> policies;
    BackendSettings settings;
    try {
        policies = load_policy_files(a.policies);
        settings = resolve_backend(a.backend, policies.size());
    } catch (const std::exception& e) {  // PolicyError, BackendError
        std::fprintf(stderr, "arbiter stream: %s\n", e.what());
        return kExitBadInput;
    }
    const int sequences = static_cast<int>(policies.size()) * a.concurrent;
    if (settings.remote) {
        if (!settings.remote_options.tokenizer || settings.remote_options.mode == remote::RemoteMode::chat) {
            std::fprintf(stderr,
                         "arbiter stream: streams on the remote backend need --tokenizer FILE and "
                         "--remote-mode completions (or raw)\n");
            return kExitBadInput;
        }
        settings.remote_options.streams = sequences;
    } else if (sequences > 64) {
        std::fprintf(stderr, "arbiter stream: policies x --concurrent is over 64 KV sequences\n");
        return kExitBadInput;
    } else {
        settings.embedded.streams = sequences;
    }
    std::ifstream file(a.input, std::ios::binary);
    if (a.input != "-" && !file) {
        std::fprintf(stderr, "arbiter stream: %s: cannot be read\n", a.input.c_str());
        return kExitBadInput;
    }

    std::shared_ptr<const harmony::Tokenizer> vocab = settings.remote_options.tokenizer;
    std::unique_ptr<Backend> backend;
    StreamBackend* streams = nullptr;
    try {
        if (!settings.remote) vocab = engine::load_tokenizer(settings.embedded.model);
        backend = make_backend(settings);
        streams = dynamic_cast<StreamBackend*>(backend.get());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "arbiter stream: %s\n", e.what());
        return kExitFailure;
    }
    if (streams == nullptr) {
        std::fprintf(stderr, "arbiter stream: this backend keeps no stream sessions\n");
        return kExitBadInput;
    }

    Printer printer(policies);
    InputReader reader(a.input == "-" ? std::cin : file, ContentKind::completion);
    int refused = 0;
    while (std::optional<InputItem> item = reader.next()) {
        if (!item->content) {
            std::fprintf(stderr, "arbiter stream: item %s: %s\n", item->id.c_str(), item->error.c_str());
            ++refused;
            continue;
        }
        StreamSpec spec;
        for (const auto& p : policies) {
            spec.policies.push_back({p, a.check_every, a.threshold, a.consecutive, a.at_sentence_ends});
        }
        spec.context = Content::completion(item->content->prompt, "");
        StreamEvents events;
        events.check = [&printer, id = item->id](const StreamCheck& c) { printer.check(id, c); };
        events.end = [&printer, id = item->id](const StreamEnd& e) { printer.end(id, e); };
        printer.wait_below(a.concurrent);
        try {
            const StreamId stream = streams->open_stream(spec, std::move(events));
            printer.opened();
            replay(*streams, stream, *vocab, item->content->response, a.chunk_tokens);
        } catch (const StreamError& e) {
            std::fprintf(stderr, "arbiter stream: item %s: %s\n", item->id.c_str(), e.what());
            ++refused;
        }
    }
    printer.wait_below(1);
    backend.reset();
    return refused + printer.failed() > 0 ? kExitFailure : kExitOk;
}

}  // namespace

void add_stream_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand(
        "stream",
        "Replay completions as streams on the backend (embedded, or remote with --tokenizer): the response "
        "arrives a few tokens at a "
        "time, each policy is checked every N tokens on the text so far (the KV cache is kept, so a "
        "check costs only its new tokens), and each stream ends in one verdict. Prints one JSON line "
        "per check {id, policy, offset_bytes, offset_tokens, probability, state} and one per stream "
        "{id, verdict, flagged, policies, usage}; lines of concurrent streams interleave.");
    auto a = std::make_shared<StreamArgs>();
    add_backend_flags(*cmd, a->backend);
    cmd->add_option("--policy,-p", a->policies, "Policy file or folder of *.md policies (repeatable)")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("--input,-i", a->input,
                    "JSONL completions {\"id\",\"prompt\",\"response\"}; - reads stdin")
        ->required();
    cmd->add_option("--chunk-tokens", a->chunk_tokens, "Response tokens per append")
        ->check(CLI::Range(1, 4096))
        ->capture_default_str();
    cmd->add_option("--check-every", a->check_every, "A check once this many response tokens arrived")
        ->check(CLI::Range(1, 1 << 20))
        ->capture_default_str();
    cmd->add_option("--threshold", a->threshold, "A check at or above this probability counts towards a flag")
        ->capture_default_str();
    cmd->add_option("--consecutive", a->consecutive, "Checks in a row at or above the threshold that flag")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_flag("--at-sentence-ends", a->at_sentence_ends,
                  "Also check after an append that ends a sentence (. ! ? or a line break)");
    cmd->add_option("--concurrent", a->concurrent, "Streams open at once (their tokens share each decode)")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    cmd->callback([&action, a] { action = [a] { return run(*a); }; });
}

}  // namespace arbiter::cli
