#include "cli/backend_flags.h"

#include <algorithm>
#include <string>

#include "llama/model_file.h"
#include "llama/tokenizer_file.h"
#include "remote/remote_backend.h"
#include "remote/remote_engine.h"

namespace arbiter::cli {

namespace {

// Tokens per item by default. Sized to hold serve's default max_content_tokens (8192) beside a
// policy (400-600 tokens on gpt-oss's tokenizer, about 1,600 on the demo model's bytes), the
// reasoning budget (1024) and the longest json_rationale answer the grammar allows (3,408):
// at 8192 every default start warned that longer content gets 413. Each sequence's KV cache holds
// this many tokens, so memory-bound setups lower it (serve then says where content gets 413).
constexpr int kDefaultContext = 16384;

}  // namespace

void add_backend_flags(CLI::App& cmd, BackendFlags& flags) {
    BackendChoice& c = flags.choice;
    cmd.add_option("--config", flags.config, "YAML configuration; its `backend:` section (flags override it)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--backend", c.engine, "embedded: llama.cpp in this process (default); remote: servers")
        ->check(CLI::IsMember({"embedded", "remote"}));
    cmd.add_option("--model,-m", c.model_file, "GGUF model (gpt-oss-safeguard or another gpt-oss model)");
    cmd.add_option("--parallel", c.parallel, "Items decoded together (embedded; default 4)")
        ->check(CLI::Range(1, 128));
    cmd.add_option("--threads", c.threads,
                   "CPU threads (embedded; default 0: auto, the cores other processes leave free)")
        ->check(CLI::Range(0, 1024));
    cmd.add_option("--ctx", c.ctx,
                   "Context per item, in tokens: prompt, reasoning and answer (embedded; default " +
                       std::to_string(kDefaultContext) +
                       "; remote with --tokenizer: the servers' limit, longer content gets 413)")
        ->check(CLI::Range(256, 1 << 20));
    cmd.add_option(
           "--gpu-layers", c.gpu_layers,
           "Layers on the GPU (embedded; default -1: all of them on a CUDA build with a GPU; 0: none)")
        ->check(CLI::Range(-1, 1024));
    cmd.add_option_function<std::string>(
           "--flash-attention", [&c](const std::string& v) { c.flash_attention = v == "on"; },
           "on or off (embedded; default off: on, a verdict may change with what else is batched; "
           "docs/gpu.md)")
        ->check(CLI::IsMember({"on", "off"}));
    cmd.add_option("--batch", c.batch, "Tokens per llama_decode (embedded; default 512; a GPU likes more)")
        ->check(CLI::Range(16, 1 << 16));
    cmd.add_option("--max-reasoning-tokens", c.max_reasoning_tokens,
                   "Reasoning budget; then the answer is asked for (default 1024)")
        ->check(CLI::Range(1, 1 << 20));
    cmd.add_option("--seed", c.seed, "Sample with this seed (default: greedy)");
    cmd.add_option(
        "--endpoint", c.endpoints,
        "Server base URL, e.g. http://127.0.0.1:8080 (remote; repeatable: balanced, with failover)");
    cmd.add_option("--remote-engine", c.remote_engine,
                   "The servers' software: vllm, sglang, llama-server, ollama or openai (picks the protocol, "
                   "health path and requests in flight; docs/operations.md)")
        ->check(CLI::IsMember({"vllm", "sglang", "llama-server", "ollama", "openai"}));
    cmd.add_option(
           "--remote-mode", c.mode,
           "completions: token ids on /v1/completions (vLLM, SGLang, llama-server; needs --tokenizer); "
           "chat: /v1/chat/completions (any server); raw: llama-server's /completion. Default: the "
           "engine's, else chat")
        ->check(CLI::IsMember({"completions", "chat", "raw"}));
    cmd.add_option("--tokenizer", c.tokenizer,
                   "GGUF whose vocabulary arbiter tokenizes with (remote; the model's file or any GGUF with "
                   "its vocabulary)")
        ->check(CLI::ExistingFile);
    cmd.add_option("--remote-model", c.remote_model,
                   "Model name sent to the server (vLLM, Ollama, hosted APIs)");
    cmd.add_option("--api-key-env", c.api_key_env,
                   "Environment variable holding a bearer token for the servers");
    cmd.add_option("--max-concurrency-per-endpoint", c.max_concurrency_per_endpoint,
                   "Requests in flight per server (remote; default: the engine's, 64 for vLLM and SGLang, "
                   "else 4)")
        ->check(CLI::Range(1, 256));
    cmd.add_option("--retries", c.retries, "Further attempts after a failed request (remote; default 3)")
        ->check(CLI::Range(0, 20));
    cmd.add_option("--timeout", c.timeout_s, "Seconds one request may take (remote; default 300)")
        ->check(CLI::PositiveNumber);
}

size_t BackendSettings::window() const {
    if (remote) {
        return remote_options.endpoints.size() *
               static_cast<size_t>(remote_options.max_concurrency_per_endpoint) * 2;
    }
    return static_cast<size_t>(embedded.parallel) * 4;
}

BackendSettings resolve_backend(const BackendFlags& flags, size_t policies) {
    BackendChoice c;
    if (!flags.config.empty()) c = read_backend_config(flags.config);
    c.override_with(flags.choice);

    BackendSettings s;
    s.seed = c.seed;
    s.remote = c.engine == "remote";
    if (!s.remote) {
        if (!c.model_file)
            throw BackendError("the embedded engine needs --model (or backend.model in --config)");
        // A setting for the other backend would be silently ignored: say so instead.
        if (c.endpoints || c.mode || c.remote_engine || c.tokenizer || c.remote_model || c.api_key_env ||
            c.max_concurrency_per_endpoint || c.retries || c.retry_budget_s || c.timeout_s ||
            c.failures_to_eject || c.eject_s || c.health_interval_s || c.health_path || c.routing)
            throw BackendError(
                "--endpoint, --remote-engine, --remote-mode, --tokenizer, --remote-model, --api-key-env, "
                "--max-concurrency-per-endpoint, --retries and --timeout (and the other remote settings of "
                "--config) need --backend remote");
        engine::EngineOptions& e = s.embedded;
        e.model = *c.model_file;
        e.threads = c.threads.value_or(0);
        e.parallel = c.parallel.value_or(4);
        e.context = c.ctx.value_or(kDefaultContext);
        e.gpu_layers = c.gpu_layers.value_or(-1);
        e.flash_attention = c.flash_attention.value_or(false);
        e.batch = c.batch.value_or(e.batch);
        e.streams = c.streams.value_or(flags.default_streams);
        e.prefix_slots = static_cast<int>(std::clamp<size_t>(policies, 1, 16));
        if (c.max_reasoning_tokens) e.max_reasoning_tokens = *c.max_reasoning_tokens;
        return s;
    }
    if (!c.endpoints || c.endpoints->empty())
        throw BackendError("the remote backend needs --endpoint URL (or backend.endpoints in --config)");
    if (c.model_file)
        throw BackendError("--model names a GGUF file for the embedded engine; use --remote-model");
    if (c.parallel || c.threads || c.gpu_layers || c.flash_attention || c.batch)
        throw BackendError(
            "--parallel, --threads, --gpu-layers, --flash-attention and --batch set the "
            "embedded engine, which --backend remote does not run; the servers' own settings apply "
            "(--max-concurrency-per-endpoint sets requests in flight)");
    remote::RemoteOptions& r = s.remote_options;
    r.endpoints = *c.endpoints;
    if (c.remote_engine) r.engine = *remote::parse_remote_engine(*c.remote_engine);
    const remote::EnginePreset preset = remote::engine_preset(r.engine);
    r.mode = preset.mode;
    if (c.mode == "chat") r.mode = remote::RemoteMode::chat;
    if (c.mode == "raw") r.mode = remote::RemoteMode::raw;
    if (c.mode == "completions") r.mode = remote::RemoteMode::completions;
    if (c.tokenizer) {
        try {
            r.tokenizer = engine::load_tokenizer(*c.tokenizer);
        } catch (const engine::ModelFileError& e) {
            throw BackendError(std::string("--tokenizer: ") + e.what());
        }
    }
    r.context_tokens = c.ctx.value_or(0);
    if (c.routing == "least_outstanding") r.routing = remote::Routing::least_outstanding;
    r.model = c.remote_model.value_or("");
    r.api_key_env = c.api_key_env.value_or("");
    r.max_concurrency_per_endpoint =
        c.max_concurrency_per_endpoint.value_or(preset.max_concurrency_per_endpoint);
    r.retries = c.retries.value_or(r.retries);
    r.retry_budget_s = c.retry_budget_s.value_or(r.retry_budget_s);
    r.timeout_s = c.timeout_s.value_or(r.timeout_s);
    r.failures_to_eject = c.failures_to_eject.value_or(r.failures_to_eject);
    r.eject_s = c.eject_s.value_or(r.eject_s);
    r.health_interval_s = c.health_interval_s.value_or(r.health_interval_s);
    r.health_path = c.health_path.value_or(preset.health_path);
    r.max_reasoning_tokens = c.max_reasoning_tokens.value_or(r.max_reasoning_tokens);
    const bool can_stream = r.mode != remote::RemoteMode::chat && r.tokenizer;
    r.streams = c.streams.value_or(can_stream ? flags.default_streams : 0);
    try {
        remote::validate(r);
    } catch (const std::invalid_argument& e) {
        throw BackendError(e.what());
    }
    return s;
}

std::unique_ptr<Backend> make_backend(const BackendSettings& settings) {
    try {
        if (settings.remote) return std::make_unique<remote::RemoteBackend>(settings.remote_options);
        return std::make_unique<engine::EmbeddedEngine>(settings.embedded);
    } catch (const engine::ModelFileError& e) {
        throw BackendError(e.what());
    } catch (const std::invalid_argument& e) {
        throw BackendError(e.what());
    }
}

std::unique_ptr<Backend> make_backend(const BackendFlags& flags, size_t policies) {
    return make_backend(resolve_backend(flags, policies));
}

}  // namespace arbiter::cli
