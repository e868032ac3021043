#pragma once
// The `backend:` section of a YAML configuration file: which engine classifies (embedded or
// remote) and its settings. Other top-level keys belong to other readers (the server's settings)
// and are ignored here. Every key is optional; flags given on the command line override them.
//
//   backend:
//     engine: remote              # or embedded
//     endpoints: [http://gpu1:8000, http://gpu2:8000]
//     remote_engine: vllm         # or sglang, llama-server, ollama, openai (picks the defaults)
//     mode: completions           # or chat, or raw (llama-server only); default: the engine's
//     tokenizer: models/gpt-oss-safeguard-20b.gguf   # completions mode: arbiter tokenizes
//     ctx: 131072                 # the servers' context per request: longer content gets 413
//     routing: cache_aware        # or least_outstanding
//     model: openai/gpt-oss-safeguard-20b
//     api_key_env: ARBITER_API_KEY
//     max_concurrency_per_endpoint: 8
//     retries: 3
//     timeout_s: 120
//
//   backend:
//     engine: embedded
//     model: models/gpt-oss-safeguard-20b-mxfp4.gguf
//     parallel: 4
//     gpu_layers: -1            # all on the GPU of a CUDA build (the default); 0 keeps them on the CPU
//     flash_attention: false    # docs/gpu.md says when to turn it on
//     batch: 512                # tokens per llama_decode
//     streams: 8                # KV sequences for stream sessions: one per policy of each open stream

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace arbiter::cli {

// A bad configuration file or flag combination; the message names the file and line.
class BackendError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Every setting either the file or the flags may give; absent: not given there.
struct BackendChoice {
    std::optional<std::string> engine;  // "embedded" or "remote"
    // embedded
    std::optional<std::string> model_file;
    std::optional<int> parallel;
    std::optional<int> threads;
    std::optional<int> ctx;
    std::optional<int> gpu_layers;
    std::optional<bool> flash_attention;
    std::optional<int> batch;
    std::optional<int> streams;  // KV sequences for stream sessions (serve)
    // remote
    std::optional<std::vector<std::string>> endpoints;
    std::optional<std::string> mode;  // "chat", "raw" or "completions"
    std::optional<std::string> remote_engine;
    std::optional<std::string> tokenizer;  // a GGUF file
    std::optional<std::string> routing;    // "cache_aware" or "least_outstanding"
    std::optional<std::string> remote_model;
    std::optional<std::string> api_key_env;
    std::optional<int> max_concurrency_per_endpoint;
    std::optional<int> retries;
    std::optional<double> retry_budget_s;
    std::optional<double> timeout_s;
    std::optional<int> failures_to_eject;
    std::optional<double> eject_s;
    std::optional<double> health_interval_s;
    std::optional<std::string> health_path;
    // both
    std::optional<int> max_reasoning_tokens;
    std::optional<uint32_t> seed;

    // Fields set in `over` replace this one's.
    void override_with(const BackendChoice& over);
};

// Reads the `backend:` section of `path` (an empty choice when the file has none). Throws
// BackendError for an unreadable file, invalid YAML, unknown keys or values of the wrong type.
BackendChoice read_backend_config(const std::string& path);

}  // namespace arbiter::cli
