#pragma once
// The remote backend: classifies on OpenAI-compatible servers (vLLM, llama-server, Ollama, hosted
// APIs) with the same jobs and verdicts as the embedded engine. See remote_options.h for the two
// protocols (chat, raw) and the settings.
//
// Each job runs on a worker thread of its own (endpoints x per-endpoint concurrency of them):
// it takes the least-loaded endpoint in rotation, and on a connection error, a 5xx or a timeout
// retries with jittered exponential backoff on another one, within a bounded number of attempts,
// a total time and the job's deadline. A job past its deadline ends with status timeout, as on
// the embedded engine; every other failure with status error. Done is called exactly once per job.

#include <memory>

#include "core/backend.h"
#include "remote/endpoint_pool.h"
#include "remote/remote_options.h"

namespace arbiter::remote {

class RemoteBackend : public Backend {
public:
    // Throws std::invalid_argument for unusable options (including a missing API key variable).
    explicit RemoteBackend(RemoteOptions options);
    ~RemoteBackend() override;  // answers queued jobs "shut down", aborts running ones

    JobId submit(Job job, Done done) override;
    void cancel(JobId id) override;

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
