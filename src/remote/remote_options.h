#pragma once
// Settings of the remote backend: which OpenAI-compatible servers to use, how to talk to them,
// and the bounds on waiting, retrying and concurrency.

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harmony/tokenizer.h"

namespace arbiter::remote {

enum class RemoteMode {
    // POST /v1/chat/completions: the policy as the system message, the content as the user
    // message; the server's chat template renders harmony (vLLM, llama-server, Ollama, hosted).
    chat,
    // POST /completion (llama-server): arbiter renders the harmony prompt itself, sending special
    // tokens as token ids; answers are grammar-bound as in the embedded engine, and score mode
    // works (token probabilities).
    raw,
    // POST /v1/completions with the prompt as token ids (vLLM, SGLang, llama-server): arbiter
    // tokenizes with its own tokenizer (RemoteOptions::tokenizer), so content stays data and the
    // prompt is the embedded engine's; reasoning stops at the first harmony special, the answer is
    // bound by the server's grammar field, and score mode reads the answer tokens' logprobs. The
    // fields differ per engine (RemoteOptions::engine).
    completions,
};

// The server software behind the endpoints, when known: it picks the fields and defaults that
// engine needs (remote_engine.h).
enum class RemoteEngine {
    generic,  // an unnamed OpenAI-compatible server: chat mode only
    llama_server,
    vllm,
    sglang,
    ollama,
    openai,  // OpenAI's API and other hosted ones: chat mode, no health probe
};

// Where a job's first request goes (endpoint_pool.h).
enum class Routing {
    cache_aware,        // rendezvous hashing of the policy prefix with bounded load (default)
    least_outstanding,  // the server with the fewest requests in flight
};

struct RemoteOptions {
    std::vector<std::string> endpoints;  // base URLs, e.g. http://10.0.0.5:8080 or https://host/prefix
    RemoteMode mode = RemoteMode::chat;
    RemoteEngine engine = RemoteEngine::generic;
    // Completions mode: the model's tokenizer (llama/tokenizer_file.h). With it, content is
    // counted exactly (413 before queueing) where context_tokens is known.
    std::shared_ptr<const harmony::Tokenizer> tokenizer;
    int context_tokens = 0;   // tokens per request the servers allow (0: unknown, not checked)
    std::string model;        // the request's "model" field (vLLM, Ollama and hosted APIs need it)
    std::string api_key_env;  // environment variable holding a bearer token; empty: none
    int max_concurrency_per_endpoint = 4;
    Routing routing = Routing::cache_aware;
    int retries = 3;              // further attempts after the first, on connection errors, 5xx, timeouts
    double retry_budget_s = 120;  // all attempts and backoffs of one item together
    double timeout_s = 300;       // one attempt (also bounded by the job's deadline)
    double backoff_base_s = 0.2;  // jittered exponential backoff: up to base * 2^attempt, capped
    double backoff_max_s = 5;
    int failures_to_eject = 3;      // consecutive failures that take an endpoint out of rotation
    double eject_s = 5;             // how long before an ejected endpoint is probed
    double health_interval_s = 10;  // how often every endpoint's health path is checked
    std::string health_path = "/health";
    int max_reasoning_tokens = 1024;  // default reasoning budget (jobs may set their own)
    // Stream sessions (remote_streams.h): policies of open streams at once, one per policy of each
    // stream as --streams counts them on the embedded engine; 0: streams off. Their checks are
    // score-mode jobs counted with the tokenizer: completions mode, or raw mode with a tokenizer.
    int streams = 0;
    size_t stream_max_bytes = 1 << 20;    // response bytes per stream
    int stream_idle_timeout_ms = 60'000;  // a stream with no append or close this long expires
    // Merged into every request body. Not for production: tests use it to keep a random-weight
    // model's output valid UTF-8 (llama-server answers 500 otherwise), e.g. a logit_bias.
    nlohmann::json extra_request_fields = nlohmann::json::object();
};

// Throws std::invalid_argument naming the first unusable setting.
void validate(const RemoteOptions& options);

}  // namespace arbiter::remote
