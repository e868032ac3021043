// arbiter-bench: one phase of bench/run per process, so that each phase's peak memory is its own.
//   probe     this machine's FMA and memory-bandwidth ceilings
//   baseline  P concurrent clients feed llama-server's /completion the exact harmony prompts
//   reason    arbiter's embedded engine, reasoning a fixed number of tokens per item
//   score     arbiter's embedded engine in score mode
// Every phase writes one JSON object (--json). Both engines run closed loops of P requests in
// flight, so time-to-verdict never includes waiting in a client-side queue.

#include <httplib.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/policy_file.h"
#include "core/utf8.h"
#include "eval/dataset.h"
#include "gguf.h"
#include "harmony/classification.h"
#include "llama/embedded_engine.h"
#include "llama/model.h"
#include "llama/placement.h"
#include "llama_server_completion.h"
#include "machine_probe.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace arbiter;

struct Args {
    std::string phase;
    std::string model;
    std::string policy;
    std::string data;
    int items = 64;
    int parallel = 8;
    int threads = 2;
    int generate = 32;
    int ctx = 4096;
    bool flash_attention = false;
    int batch = 512;
    std::string server;
    int server_pid = 0;
    std::string json;
};

struct Workload {
    std::shared_ptr<const Policy> policy;
    std::vector<Content> contents;
    std::vector<std::string> prompts;  // exact harmony text, reasoning opened, as arbiter sends it
    std::vector<int> content_tokens;   // each item's own tokens (the prompt after the policy prefix)
    int prefix_tokens = 0;
};

Workload build_workload(const Args& a) {
    Workload w;
    w.policy = std::make_shared<const Policy>(load_policy_file(a.policy));
    eval::DatasetSpec spec;
    const eval::Dataset d = eval::read_dataset(a.data, spec, static_cast<size_t>(a.items));
    const auto model = engine::Model::load(a.model, {.vocab_only = true});
    for (const auto& item : d.items) {
        w.contents.push_back(item.content);
        Job job;
        job.policy = w.policy;
        job.content = item.content;
        job.mode = Mode::reason;
        const harmony::ClassificationPrompt prompt = harmony::classification_prompt(job);
        w.prompts.push_back(prompt.str());
        w.prefix_tokens = static_cast<int>(model->tokens().tokenize(prompt.prefix).size());
        w.content_tokens.push_back(static_cast<int>(model->tokens().tokenize(prompt.item).size()));
    }
    return w;
}

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<size_t>(std::lround(q * static_cast<double>(v.size() - 1)))];
}

long peak_rss_kib() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss;
}

long process_peak_rss_kib(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    }
    return 0;
}

double mean(const std::vector<int>& v) {
    double s = 0;
    for (int x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
}

// The model's own ceiling on this machine, through llama.cpp directly: 512-token prefills and
// 32 single-stream decode steps; and the work a token costs, from the tensor shapes (experts
// scaled by the share used per token; the embedding lookup reads one row, so it is left out).
nlohmann::ordered_json probe_model(const Args& a) {
    const auto model = engine::Model::load(a.model);
    double flops = 0, bytes = 0;
    gguf_context* g = gguf_init_from_file(a.model.c_str(), {true, nullptr});
    const double used = model->info().n_expert ? static_cast<double>(model->info().n_expert_used) /
                                                     static_cast<double>(model->info().n_expert)
                                               : 1.0;
    for (int64_t i = 0; i < gguf_get_n_tensors(g); ++i) {
        const std::string name = gguf_get_tensor_name(g, i);
        if (name == "token_embd.weight") continue;
        const int64_t* ne = gguf_get_tensor_ne(g, i);
        const double elements =
            static_cast<double>(ne[0]) * static_cast<double>(ne[1]) * static_cast<double>(ne[2]);
        const double share = name.find("_exps") != std::string::npos ? used : 1.0;
        // Prefill computes logits for the last token only: the output matrix is not per-token work
        // there (decode reads it every step, so it counts in bytes).
        if (ne[1] > 1 && name != "output.weight") flops += 2 * elements * share;
        bytes += static_cast<double>(gguf_get_tensor_size(g, i)) * share;
    }
    gguf_free(g);

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 1024;
    cp.n_batch = 512;
    cp.n_ubatch = 512;
    cp.n_threads = a.threads;
    cp.n_threads_batch = a.threads;
    cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context* ctx = llama_init_from_model(model->get(), cp);
    std::vector<llama_token> tokens(512);
    for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<llama_token>(32 + i % 90);
    // The median of three prefills after a warm-up one: a single prefill moved by 15% between runs
    // (56 and 65 tokens/s), and it is the denominator of the score mode's ideal.
    std::vector<double> prefills;
    for (int run = 0; run < 4; ++run) {
        llama_memory_clear(llama_get_memory(ctx), true);
        const auto start = Clock::now();
        llama_decode(ctx, llama_batch_get_one(tokens.data(), static_cast<int32_t>(tokens.size())));
        if (run > 0) prefills.push_back(512.0 / std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(prefills.begin(), prefills.end());
    const double prefill = prefills[1];
    auto t0 = Clock::now();
    for (int i = 0; i < 32; ++i) llama_decode(ctx, llama_batch_get_one(&tokens[static_cast<size_t>(i)], 1));
    const double decode = 32.0 / std::chrono::duration<double>(Clock::now() - t0).count();
    llama_free(ctx);
    return {{"model_prefill_tokens_per_second", prefill},
            {"model_decode_tokens_per_second", decode},
            {"flops_per_token", flops},
            {"bytes_per_token", bytes}};
}

// A logit bias that bans every token whose bytes are not valid UTF-8 on their own. Random weights
// pick such tokens (lone bytes of a multi-byte character, or a character's first bytes merged
// with what precedes it), and llama-server's JSON response cannot carry the invalid UTF-8 they
// leave: it answers 500. Banned, as arbiter's grammar keeps them out of its answers; computed
// from the vocabulary (ids 128-255 of a byte-level one, thousands of o200k's).
nlohmann::json partial_utf8_bias(const std::string& model_path) {
    const auto model = engine::Model::load(model_path, {.vocab_only = true});
    nlohmann::json bias = nlohmann::json::array();
    const int32_t n_vocab = llama_vocab_n_tokens(model->vocab());
    for (llama_token id = 0; id < n_vocab; ++id) {
        if (first_invalid_utf8(model->tokens().piece(id))) bias.push_back({id, false});
    }
    return bias;
}

nlohmann::ordered_json run_baseline(const Args& a, const Workload& w) {
    const size_t n = w.prompts.size();
    std::vector<double> latency(n);
    std::vector<int> evaluated(n), generated(n);
    std::atomic<size_t> next{0};
    std::atomic<int> failures{0};
    const nlohmann::json bias = partial_utf8_bias(a.model);
    std::fprintf(stderr, "arbiter-bench: %zu tokens of the vocabulary are not UTF-8 alone: banned\n",
                 bias.size());
    const auto t0 = Clock::now();
    std::vector<std::thread> clients;
    clients.reserve(static_cast<size_t>(a.parallel));
    for (int c = 0; c < a.parallel; ++c) {
        clients.emplace_back([&] {
            httplib::Client http(a.server);
            http.set_read_timeout(600, 0);
            for (size_t i = next++; i < n; i = next++) {
                const nlohmann::json body = {{"prompt", w.prompts[i]}, {"n_predict", a.generate},
                                             {"ignore_eos", true},     {"cache_prompt", true},
                                             {"temperature", 0.0},     {"logit_bias", bias}};
                const auto s = Clock::now();
                const std::optional<nlohmann::json> j = bench::post_completion(http, body);
                latency[i] = std::chrono::duration<double, std::milli>(Clock::now() - s).count();
                if (!j) {
                    ++failures;
                    continue;
                }
                evaluated[i] = (*j)["timings"].value("prompt_n", 0);
                generated[i] = (*j)["timings"].value("predicted_n", 0);
            }
        });
    }
    for (auto& t : clients) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return {{"engine", "llama-server"},
            {"items", n},
            {"failures", failures.load()},
            {"seconds", seconds},
            {"items_per_second", static_cast<double>(n) / seconds},
            {"prompt_tokens_evaluated_per_item", mean(evaluated)},
            {"generated_per_item", mean(generated)},
            {"ttv_p50_ms", percentile(latency, 0.5)},
            {"ttv_p95_ms", percentile(latency, 0.95)},
            {"peak_rss_mib", static_cast<double>(process_peak_rss_kib(a.server_pid)) / 1024.0}};
}

engine::EngineOptions engine_options(const Args& a) {
    engine::EngineOptions options;
    options.model = a.model;
    options.threads = a.threads;
    options.parallel = a.parallel;
    options.context = a.ctx;
    options.prefix_slots = 1;
    options.flash_attention = a.flash_attention;
    options.batch = a.batch;
    return options;
}

nlohmann::ordered_json run_arbiter(const Args& a, const Workload& w, Mode mode) {
    engine::EmbeddedEngine engine(engine_options(a));

    const size_t n = w.contents.size();
    std::vector<double> latency(n);
    std::vector<int> generated(n);
    // Score mode's P(violation) per item: bench/gpu-run compares them across parallelism and
    // flash attention to see whether batching changes results on a GPU.
    std::vector<double> probabilities(n, -1.0);
    std::mutex mutex;
    std::condition_variable done;
    size_t finished = 0, failures = 0;
    const auto t0 = Clock::now();
    for (size_t i = 0; i < n; ++i) {
        {
            std::unique_lock lock(mutex);
            done.wait(lock, [&] { return i - finished < static_cast<size_t>(a.parallel); });
        }
        Job job;
        job.policy = w.policy;
        job.content = w.contents[i];
        job.mode = mode;
        // The answer is one token (binary policy): reasoning G - 1 tokens makes G generated in all.
        job.max_reasoning_tokens = std::max(1, a.generate - 1);
        job.reason_to_budget = true;
        engine.submit(std::move(job), [&, i](const Verdict& v) {
            std::lock_guard lock(mutex);
            latency[i] = v.latency_ms;
            generated[i] = v.usage.completion_tokens;
            if (v.probability) probabilities[i] = *v.probability;
            if (v.status != VerdictStatus::ok) ++failures;
            ++finished;
            done.notify_all();
        });
    }
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return finished == n; });
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const auto stats = engine.stats();
    return {{"engine", mode == Mode::score ? "arbiter score" : "arbiter reason"},
            {"items", n},
            {"failures", failures},
            {"seconds", seconds},
            {"items_per_second", static_cast<double>(n) / seconds},
            {"prompt_tokens_evaluated_per_item",
             static_cast<double>(stats.prompt_tokens_evaluated) / static_cast<double>(n)},
            {"generated_per_item", mean(generated)},
            {"ttv_p50_ms", percentile(latency, 0.5)},
            {"ttv_p95_ms", percentile(latency, 0.95)},
            {"peak_rss_mib", static_cast<double>(peak_rss_kib()) / 1024.0},
            {"probabilities", probabilities}};
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"One phase of bench/run (see bench/README.md)."};
    Args a;
    app.add_option("--phase", a.phase)
        ->required()
        ->check(CLI::IsMember({"probe", "baseline", "reason", "score"}));
    app.add_option("--model", a.model);
    app.add_option("--policy", a.policy);
    app.add_option("--data", a.data);
    app.add_option("--items", a.items);
    app.add_option("--parallel", a.parallel);
    app.add_option("--threads", a.threads);
    app.add_option("--generate", a.generate);
    app.add_option("--ctx", a.ctx);
    app.add_option("--server", a.server);
    app.add_option("--server-pid", a.server_pid);
    app.add_option("--flash-attention", a.flash_attention);
    app.add_option("--batch", a.batch);
    app.add_option("--json", a.json)->required();
    CLI11_PARSE(app, argc, argv);

    try {
        nlohmann::ordered_json out;
        if (a.phase == "probe") {
            const auto c = arbiter::bench::probe_machine(a.threads);
            out = {{"fma_gflops", c.fma_gflops}, {"triad_gbps", c.triad_gbps}, {"threads", a.threads}};
            if (!a.model.empty()) {
                out.update(probe_model(a));
                // The device and settings the reason and score phases run with (bench/report.py).
                out["engine"] = engine::describe_placement(engine_options(a));
            }
        } else {
            const Workload w = build_workload(a);
            if (a.phase == "baseline") {
                out = run_baseline(a, w);
            } else {
                out = run_arbiter(a, w, a.phase == "score" ? Mode::score : Mode::reason);
            }
            out["content_tokens_per_item"] = mean(w.content_tokens);
            out["prefix_tokens"] = w.prefix_tokens;
        }
        std::ofstream(a.json) << out.dump(2) << "\n";
        std::printf("%s\n", out.dump().c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "arbiter-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
