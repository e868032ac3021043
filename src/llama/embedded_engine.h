#pragma once
// The embedded inference engine on llama.cpp: one model, one context, one worker thread that
// runs every job through continuous batching.
//
// Where the speed comes from:
//   - The policy prefix (system message, developer message with the policy, user header) is
//     evaluated once per policy and settings, kept in its own KV sequence, and copied into each
//     item's sequence. The context uses one KV stream per sequence (kv_unified = false): llama.cpp
//     then copies a prefix with bit-identical results, at the cost of storing one copy per running
//     item (a unified cache would share cells, but its logits change with batch composition).
//   - Prefill chunks of new items and decode steps of running items share each llama_decode, up
//     to `parallel` items at once; a finished item's sequence takes the next job at once.
//   - Score mode reads P(violation) from one forward pass over the content, generating nothing.
//   - Stream sessions (llama/stream_runner.h) keep a sequence per policy for a growing response
//     and put their new tokens and check probes into the same batches, after the items' tokens.

#include <filesystem>
#include <memory>

#include "core/backend.h"

namespace arbiter::engine {

struct EngineOptions {
    std::filesystem::path model;
    int threads = 0;                  // 0: auto, the cores other processes leave free (thread_governor.h)
    int parallel = 4;                 // items decoded together
    int context = 8192;               // tokens per item: prefix + content + reasoning + answer
    int prefix_slots = 2;             // policy prefixes kept evaluated (least recently used evicted)
    int batch = 512;                  // tokens per llama_decode
    int max_reasoning_tokens = 1024;  // default budget; the engine then closes the analysis itself
    // Layers on the GPU: negative puts all of them there when llama.cpp has one (a CUDA build on a
    // machine with an NVIDIA GPU); a CPU build, or a machine without a GPU, keeps them on the CPU.
    int gpu_layers = -1;
    bool share_prefix = true;  // off: every item evaluates its whole prompt (a baseline)
    // llama.cpp's flash attention makes logits depend on how a prompt is split into batches
    // (measured on CPU: up to 2e-2 in a logit), so a verdict would depend on what else was
    // running. Off by default, for results that are the same whatever the batching, on a GPU too
    // until measured there (docs/gpu.md: bench/gpu-run measures speed and sameness with it on).
    bool flash_attention = false;
    // Stream sessions (core/stream.h, llama/stream_runner.h): KV sequences kept for them, one per
    // policy of each open stream; 0 turns streams off. Each holds `context` tokens, and with
    // streams on the sliding-window cache is full-size (swa_full) too.
    int streams = 0;
    size_t stream_max_bytes = 1 << 20;    // response bytes per stream
    int stream_idle_timeout_ms = 60'000;  // a stream with no append or close this long expires
    bool stream_swa_full = true;          // off only to measure what llama.cpp's pruned window does to probes
};

class EmbeddedEngine : public Backend, public StreamBackend {
public:
    // Loads the model and starts the worker. Throws ModelFileError or std::invalid_argument.
    explicit EmbeddedEngine(const EngineOptions& options);
    ~EmbeddedEngine() override;  // cancels what is left, then joins the worker

    JobId submit(Job job, Done done) override;
    void cancel(JobId id) override;
    std::optional<int> content_tokens(const Content& content) const override;
    std::optional<int> content_room(const Job& job) const override;
    // Stream sessions (core/stream.h), on the sequences --streams reserves.
    StreamId open_stream(StreamSpec spec, StreamEvents events) override;
    void append_stream(StreamId id, std::string_view text) override;
    void close_stream(StreamId id) override;

    struct Stats {
        uint64_t prompt_tokens_evaluated = 0;  // tokens that went through llama_decode as prompt
        uint64_t prefix_evaluations = 0;
        uint64_t prefix_hits = 0;
        uint64_t generated_tokens = 0;
        uint64_t decode_calls = 0;
    };
    Stats stats() const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace arbiter::engine
