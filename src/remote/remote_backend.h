#pragma once
// The remote backend: classifies on OpenAI-compatible servers (vLLM, llama-server, Ollama, hosted
// APIs) with the same jobs and verdicts as the embedded engine. See remote_options.h for the three
// protocols (chat, raw, completions) and the settings, remote_engine.h for the engine presets.
//
// Each job runs on a worker thread of its own (endpoints x per-endpoint concurrency of them, at most
// 1,024): a job's requests run one after another and a server's concurrency limit bounds them
// anyway, so a bounded pool of blocking threads holds every request the servers take at once,
// over kept-alive connections. A job's first request goes by cache-aware routing (endpoint_pool.h:
// jobs of one policy prefix meet the server that cached it), its later steps to the same server.
// On a connection error, a 5xx, a 429 or a timeout it retries on another server after a jittered
// exponential backoff (a server that sent Retry-After gets no requests until then), within a
// bounded number of attempts, a total time and the job's deadline. A job past its deadline ends with status
// timeout, as on the embedded engine; every other failure with status error. Done is called exactly once per
// job. Stream sessions run their checks as such jobs (remote_streams.h).

#include <memory>

#include "core/backend.h"
#include "remote/endpoint_pool.h"
#include "remote/remote_options.h"

namespace arbiter::remote {

class RemoteBackend : public Backend, public StreamBackend {
public:
    // Throws std::invalid_argument for unusable options (including a missing API key variable).
    explicit RemoteBackend(RemoteOptions options);
    ~RemoteBackend() override;  // answers queued jobs "shut down", aborts running ones

    JobId submit(Job job, Done done) override;
    void cancel(JobId id) override;
    // Counted with RemoteOptions::tokenizer; nullopt without one (and, for the room, without the
    // servers' context_tokens).
    std::optional<int> content_tokens(const Content& content) const override;
    std::optional<int> content_room(const Job& job) const override;
    std::vector<ServerLoad> server_loads() const override;

    // Stream sessions with RemoteOptions::streams > 0 (remote_streams.h); throw StreamError.
    StreamId open_stream(StreamSpec spec, StreamEvents events) override;
    void append_stream(StreamId id, std::string_view text) override;
    void close_stream(StreamId id) override;

    struct Stats {
        uint64_t attempts = 0;  // HTTP requests sent for jobs
        uint64_t retries = 0;   // of those, repeats after a failed attempt
    };
    Stats stats() const;
    EndpointPool::State endpoint_state(size_t endpoint) const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace arbiter::remote
