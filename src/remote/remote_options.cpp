#include "remote/remote_options.h"

#include <stdexcept>
#include <string>

#include "core/base_url.h"
#include "remote/remote_engine.h"

namespace arbiter::remote {

void validate(const RemoteOptions& o) {
    const auto fail = [](const std::string& what) { throw std::invalid_argument(what); };
    if (o.endpoints.empty()) fail("the remote backend needs at least one endpoint");
    for (const std::string& url : o.endpoints) parse_base_url(url);
    if (o.max_concurrency_per_endpoint < 1 || o.max_concurrency_per_endpoint > 256)
        fail("max_concurrency_per_endpoint must be 1..256");
    if (o.retries < 0 || o.retries > 20) fail("retries must be 0..20");
    if (!(o.timeout_s > 0)) fail("timeout_s must be positive");
    if (!(o.retry_budget_s > 0)) fail("retry_budget_s must be positive");
    if (!(o.backoff_base_s >= 0) || !(o.backoff_max_s >= o.backoff_base_s))
        fail("backoff must satisfy 0 <= backoff_base_s <= backoff_max_s");
    if (o.failures_to_eject < 1) fail("failures_to_eject must be at least 1");
    if (!(o.eject_s > 0)) fail("eject_s must be positive");
    if (!(o.health_interval_s > 0)) fail("health_interval_s must be positive");
    if (o.max_reasoning_tokens < 1) fail("max_reasoning_tokens must be at least 1");
    if (!o.extra_request_fields.is_object()) fail("extra_request_fields must be an object");
    if (const std::string why = unsupported_mode(o.engine, o.mode); !why.empty()) fail(why);
    if (o.mode == RemoteMode::completions && !o.tokenizer)
        fail(
            "completions mode tokenizes prompts itself: give --tokenizer FILE (the model's GGUF, or any "
            "GGUF with its vocabulary)");
    if (o.engine == RemoteEngine::sglang && o.model.empty())
        fail("SGLang requires the served model's name in every request: give --remote-model");
    if (o.streams < 0 || o.streams > 4096) fail("streams must be 0..4096");
    if (o.streams > 0 && o.mode == RemoteMode::chat)
        fail(
            "stream sessions score with token probabilities, which chat mode has not: use --remote-mode "
            "completions (or raw on llama-server)");
    if (o.streams > 0 && !o.tokenizer)
        fail(
            "stream sessions count the response's tokens to know when a check is due: give --tokenizer FILE");
    if (o.stream_idle_timeout_ms < 1) fail("stream_idle_timeout_ms must be positive");
    if (o.context_tokens < 0) fail("context_tokens must not be negative");
    if (o.context_tokens > 0 && !o.tokenizer)
        fail("counting tokens against context_tokens needs --tokenizer");
}

}  // namespace arbiter::remote
