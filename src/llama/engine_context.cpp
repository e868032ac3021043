#include "llama/engine_context.h"

#include <stdexcept>
#include <string>

#include "llama/llama_log.h"

namespace arbiter::engine {

llama_token single_token(const PromptTokens& tokens, const char* text) {
    const std::vector<llama_token> ids = tokens.tokenize_text(text);
    if (ids.size() != 1)
        throw ModelFileError(std::string("the vocabulary has no single token for '") + text + "'");
    return ids[0];
}

void check_options(const EngineOptions& options) {
    if (options.parallel < 1 || options.parallel > 128)
        throw std::invalid_argument("parallel must be 1..128");
    if (options.prefix_slots < 1 || options.prefix_slots > 64)
        throw std::invalid_argument("prefix slots must be 1..64");
    if (options.context < 256) throw std::invalid_argument("context must be at least 256 tokens");
    if (options.batch < 16 || options.batch > (1 << 16))
        throw std::invalid_argument("batch must be 16..65536 tokens");
    if (options.max_reasoning_tokens < 0) throw std::invalid_argument("max reasoning tokens must be >= 0");
    if (options.streams < 0 || options.streams > 64) throw std::invalid_argument("streams must be 0..64");
}

int sequence_count(const EngineOptions& options) {
    return options.parallel + (options.share_prefix ? options.prefix_slots : 0) + options.streams;
}

ContextPtr make_context(const Model& model, const EngineOptions& options, int threads) {
    const int n_seq = sequence_count(options);
    llama_context_params params = llama_context_default_params();
    params.n_seq_max = static_cast<uint32_t>(n_seq);
    // One KV stream per sequence, each of `context` cells: see embedded_engine.h for why.
    params.kv_unified = false;
    // Streams probe and roll back; only a full sliding-window cache survives that (see
    // stream_runner.h). Without streams the window's cells suffice.
    params.swa_full = options.streams > 0 && options.stream_swa_full;
    params.n_ctx = static_cast<uint32_t>(options.context) * static_cast<uint32_t>(n_seq);
    params.n_batch = static_cast<uint32_t>(options.batch);
    params.n_ubatch = static_cast<uint32_t>(options.batch);
    params.n_threads = threads;
    params.n_threads_batch = threads;
    params.no_perf = true;
    params.flash_attn_type =
        options.flash_attention ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    clear_last_llama_error();
    ContextPtr ctx(llama_init_from_model(model.get(), params));
    if (!ctx) {
        const std::string why = last_llama_error();
        throw std::runtime_error("llama.cpp could not create a context of " + std::to_string(params.n_ctx) +
                                 " tokens" + (why.empty() ? "" : " (" + why + ")"));
    }
    return ctx;
}

}  // namespace arbiter::engine
