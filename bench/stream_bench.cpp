// arbiter-stream-bench: the measuring half of bench/stream-run. What judging a growing answer
// costs, three ways, on the same completions, check points and concurrency:
//   stream   arbiter's stream sessions: the KV cache kept, each check its new tokens plus a probe
//   rescore  arbiter re-scoring the whole text so far at every check (one-shot score jobs, the
//            policy prefix shared), as guards that re-check every N chunks do
//   server   llama-server's /completion with its prompt cache, the text so far re-sent at every
//            check to the stream's own slot (the best a user can do with a server by hand)
//   remote   arbiter's stream sessions on that llama-server through the remote backend
//            (completions mode): each check the text so far, pinned to the server's prompt cache
// Checks fall after every --check-every response tokens and at the end. Writes one JSON object.

#include <httplib.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/policy_file.h"
#include "eval/dataset.h"
#include "harmony/classification.h"
#include "llama/embedded_engine.h"
#include "llama/model.h"
#include "llama/tokenizer_file.h"
#include "llama_server_completion.h"
#include "remote/remote_backend.h"
#include "remote/remote_engine.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace arbiter;

struct Args {
    std::string phase;
    std::string model;
    std::string policy;
    std::string data;
    int streams = 32;
    int concurrent = 8;
    int response_tokens = 1000;
    int check_every = 16;
    int threads = 2;
    int ctx = 4096;
    bool flash_attention = false;
    int batch = 512;
    std::string server;
    std::string json;
};

struct Completion {
    std::string prompt;
    std::string response;
    std::vector<size_t> cuts;         // response bytes at each check: after every N tokens, and the end
    std::vector<std::string> chunks;  // the response, 4 tokens per append
    int context_tokens = 0;           // the user message with an empty response, after the policy prefix
};

// Responses of the dataset joined until each completion has `response_tokens` tokens (as the
// model's tokenizer counts the response alone).
std::vector<Completion> build_completions(const Args& a, const engine::Model& vocab,
                                          const std::shared_ptr<const Policy>& policy) {
    eval::DatasetSpec spec;
    const eval::Dataset d = eval::read_dataset(a.data, spec, 0);
    std::vector<Completion> out;
    size_t next = 0;
    for (int s = 0; s < a.streams; ++s) {
        Completion c;
        std::string text;
        while (static_cast<int>(vocab.tokens().tokenize_text(text).size()) < a.response_tokens) {
            const Content& item = d.items[next++ % d.items.size()].content;
            if (c.prompt.empty()) c.prompt = item.prompt;
            text += item.response + "\n\n";
        }
        const std::vector<llama_token> tokens = vocab.tokens().tokenize_text(text);
        std::string chunk;
        for (int t = 0; t < a.response_tokens; ++t) {
            const std::string piece = vocab.tokens().piece(tokens[static_cast<size_t>(t)]);
            c.response += piece;
            chunk += piece;
            if ((t + 1) % 4 == 0) c.chunks.push_back(std::move(chunk)), chunk.clear();
            if ((t + 1) % a.check_every == 0) c.cuts.push_back(c.response.size());
        }
        if (!chunk.empty()) c.chunks.push_back(chunk);
        if (c.cuts.empty() || c.cuts.back() != c.response.size()) c.cuts.push_back(c.response.size());
        Job job;
        job.policy = policy;
        job.content = Content::completion(c.prompt, "");
        job.mode = Mode::score;
        c.context_tokens =
            static_cast<int>(vocab.tokens().tokenize(harmony::classification_prompt(job).item).size());
        out.push_back(std::move(c));
    }
    return out;
}

engine::EngineOptions engine_options(const Args& a, int streams) {
    engine::EngineOptions o;
    o.model = a.model;
    o.threads = a.threads;
    o.parallel = a.concurrent;
    o.context = a.ctx;
    o.prefix_slots = 1;
    o.flash_attention = a.flash_attention;
    o.batch = a.batch;
    o.streams = streams;
    o.stream_max_bytes = size_t{1} << 22;
    return o;
}

struct Tally {
    std::mutex mutex;
    std::vector<double> wall_ms;
    uint64_t evaluated = 0;
    int checks = 0;
    int failures = 0;
};

nlohmann::ordered_json summary(const char* engine, const Args& a, const std::vector<Completion>& work,
                               Tally& t, double seconds) {
    std::sort(t.wall_ms.begin(), t.wall_ms.end());
    const double response_tokens = static_cast<double>(a.response_tokens) * static_cast<double>(work.size());
    double mean = 0;
    for (double w : t.wall_ms) mean += w / static_cast<double>(t.wall_ms.size());
    // The user message as it stood at open is paid once by any approach; what a check costs
    // beyond it is the figure that grows with the answer.
    uint64_t contexts = 0;
    for (const Completion& c : work) contexts += static_cast<uint64_t>(c.context_tokens);
    const double beyond = static_cast<double>(t.evaluated) - static_cast<double>(contexts);
    return {{"engine", engine},
            {"streams", work.size()},
            {"concurrent", a.concurrent},
            {"response_tokens_per_stream", a.response_tokens},
            {"check_every", a.check_every},
            {"checks", t.checks},
            {"failures", t.failures},
            {"prompt_tokens_evaluated", t.evaluated},
            {"evaluated_per_response_token", static_cast<double>(t.evaluated) / response_tokens},
            {"context_tokens", contexts},
            {"beyond_context_per_response_token", beyond / response_tokens},
            {"wall_per_stream_ms_mean", mean},
            {"wall_per_stream_ms_p50", t.wall_ms.empty() ? 0 : t.wall_ms[t.wall_ms.size() / 2]},
            {"seconds", seconds}};
}

nlohmann::ordered_json run_streams(const char* name, StreamBackend& engine, const Args& a,
                                   const std::vector<Completion>& work) {
    auto policy = std::make_shared<const Policy>(load_policy_file(a.policy));
    Tally t;
    std::condition_variable changed;
    int open = 0;
    const auto t0 = Clock::now();
    for (const Completion& c : work) {
        {
            std::unique_lock lock(t.mutex);
            changed.wait(lock, [&] { return open < a.concurrent; });
            ++open;
        }
        StreamSpec spec;
        spec.policies.push_back({policy, a.check_every, 0.5, 1});
        spec.context = Content::completion(c.prompt, "");
        const auto start = Clock::now();
        StreamEvents events;
        events.check = [&t](const StreamCheck&) {
            const std::lock_guard lock(t.mutex);
            ++t.checks;
        };
        events.end = [&t, &open, &changed, start](const StreamEnd& e) {
            const std::lock_guard lock(t.mutex);
            t.wall_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
            t.evaluated += static_cast<uint64_t>(e.prompt_tokens);
            t.failures += e.ok ? 0 : 1;
            --open;
            changed.notify_all();
        };
        const StreamId id = engine.open_stream(spec, std::move(events));
        for (const std::string& chunk : c.chunks) engine.append_stream(id, chunk);
        engine.close_stream(id);
    }
    std::unique_lock lock(t.mutex);
    changed.wait(lock, [&] { return open == 0; });
    lock.unlock();
    return summary(name, a, work, t, std::chrono::duration<double>(Clock::now() - t0).count());
}

nlohmann::ordered_json run_embedded_streams(const Args& a, const std::vector<Completion>& work) {
    engine::EmbeddedEngine engine(engine_options(a, a.concurrent));
    return run_streams("arbiter stream", engine, a, work);
}

nlohmann::ordered_json run_remote_streams(const Args& a, const std::vector<Completion>& work) {
    remote::RemoteOptions o;
    o.endpoints = {a.server};
    o.engine = remote::RemoteEngine::llama_server;
    o.mode = remote::RemoteMode::completions;
    o.tokenizer = engine::load_tokenizer(a.model);
    o.max_concurrency_per_endpoint = a.concurrent;
    o.streams = a.concurrent;
    o.stream_max_bytes = size_t{1} << 22;
    o.timeout_s = 600;
    o.retry_budget_s = 600;
    remote::RemoteBackend backend(o);
    return run_streams("arbiter stream on llama-server (remote)", backend, a, work);
}

// `check` judges completion `c` cut at byte `cut`, on client `slot`; returns the prompt tokens it
// evaluated, or -1 on failure. Runs every completion's checks in order, `concurrent` at once.
template <typename Check>
nlohmann::ordered_json run_rechecks(const char* engine, const Args& a, const std::vector<Completion>& work,
                                    Check check) {
    Tally t;
    std::atomic<size_t> next{0};
    const auto t0 = Clock::now();
    std::vector<std::thread> clients;
    clients.reserve(static_cast<size_t>(a.concurrent));
    for (int slot = 0; slot < a.concurrent; ++slot) {
        clients.emplace_back([&, slot] {
            for (size_t i = next++; i < work.size(); i = next++) {
                const auto start = Clock::now();
                uint64_t evaluated = 0;
                int failures = 0;
                for (size_t cut : work[i].cuts) {
                    const int n = check(work[i], cut, slot);
                    n < 0 ? ++failures : evaluated += static_cast<uint64_t>(n);
                }
                const std::lock_guard lock(t.mutex);
                t.wall_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
                t.evaluated += evaluated;
                t.checks += static_cast<int>(work[i].cuts.size());
                t.failures += failures;
            }
        });
    }
    for (std::thread& c : clients) c.join();
    return summary(engine, a, work, t, std::chrono::duration<double>(Clock::now() - t0).count());
}

nlohmann::ordered_json run_rescore(const Args& a, const std::vector<Completion>& work) {
    auto policy = std::make_shared<const Policy>(load_policy_file(a.policy));
    engine::EmbeddedEngine engine(engine_options(a, 0));
    return run_rechecks("arbiter re-score", a, work, [&](const Completion& c, size_t cut, int) {
        Job job;
        job.policy = policy;
        job.content = Content::completion(c.prompt, c.response.substr(0, cut));
        job.mode = Mode::score;
        std::mutex m;
        std::condition_variable done;
        std::optional<Verdict> verdict;
        engine.submit(std::move(job), [&](Verdict v) {
            const std::lock_guard lock(m);
            verdict = std::move(v);
            done.notify_all();
        });
        std::unique_lock lock(m);
        done.wait(lock, [&] { return verdict.has_value(); });
        if (verdict->status != VerdictStatus::ok) return -1;
        return verdict->usage.prompt_tokens - verdict->usage.cached_tokens;
    });
}

nlohmann::ordered_json run_server(const Args& a, const std::vector<Completion>& work) {
    auto policy = std::make_shared<const Policy>(load_policy_file(a.policy));
    return run_rechecks("llama-server prompt cache", a, work, [&](const Completion& c, size_t cut, int slot) {
        Job job;
        job.policy = policy;
        job.content = Content::completion(c.prompt, c.response.substr(0, cut));
        job.mode = Mode::score;
        // The score-mode prompt, ending where the answer's first token is read; one token is
        // generated (its logits are the score's).
        const nlohmann::json body = {{"prompt", harmony::classification_prompt(job).str()},
                                     {"n_predict", 1},
                                     {"cache_prompt", true},
                                     {"id_slot", slot},
                                     {"temperature", 0.0}};
        httplib::Client http(a.server);
        http.set_read_timeout(600, 0);
        const std::optional<nlohmann::json> j = bench::post_completion(http, body);
        return j ? (*j)["timings"].value("prompt_n", -1) : -1;
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"One phase of bench/stream-run (see bench/README.md)."};
    Args a;
    app.add_option("--phase", a.phase)
        ->required()
        ->check(CLI::IsMember({"stream", "rescore", "server", "remote"}));
    app.add_option("--model", a.model)->required();
    app.add_option("--policy", a.policy)->required();
    app.add_option("--data", a.data)->required();
    app.add_option("--streams", a.streams);
    app.add_option("--concurrent", a.concurrent);
    app.add_option("--response-tokens", a.response_tokens);
    app.add_option("--check-every", a.check_every);
    app.add_option("--threads", a.threads);
    app.add_option("--ctx", a.ctx);
    app.add_option("--server", a.server);
    app.add_option("--flash-attention", a.flash_attention);
    app.add_option("--batch", a.batch);
    app.add_option("--json", a.json)->required();
    CLI11_PARSE(app, argc, argv);
    try {
        const auto vocab = engine::Model::load(a.model, {.vocab_only = true});
        const auto policy = std::make_shared<const Policy>(load_policy_file(a.policy));
        const std::vector<Completion> work = build_completions(a, *vocab, policy);
        const nlohmann::ordered_json out = a.phase == "stream"    ? run_embedded_streams(a, work)
                                           : a.phase == "rescore" ? run_rescore(a, work)
                                           : a.phase == "remote"  ? run_remote_streams(a, work)
                                                                  : run_server(a, work);
        std::ofstream(a.json) << out.dump(2) << "\n";
        std::printf("%s\n", out.dump().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "arbiter-stream-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
