#pragma once
// The one interface every consumer of classification uses (the CLI, the server, eval): submit
// (content, policy) jobs, get each verdict back asynchronously as soon as it is done, cancel.
// The embedded llama.cpp engine, the remote servers and the cascade implement it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/content.h"
#include "core/mode.h"
#include "core/policy.h"
#include "core/span.h"
#include "core/stream.h"
#include "core/verdict.h"

namespace arbiter {

struct Job {
    std::shared_ptr<const Policy> policy;
    Content content;
    Mode mode = Mode::reason;
    std::optional<ReasoningEffort> effort;  // default: the policy's
    int max_reasoning_tokens = 0;           // 0: the backend's default
    std::optional<uint32_t> seed;           // sample with this seed; absent: greedy
    // Reason for exactly the budget: control tokens are banned until it is spent, so every item
    // costs the same. For benchmarks that compare engines at a fixed amount of generation.
    bool reason_to_budget = false;
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    // Reason mode: called with each piece of the analysis channel as the model generates it, so a
    // client can watch the reasoning (the console's playground). The pieces, concatenated, are the
    // verdict's rationale. It runs on the engine's thread, inside its batch loop: it must return
    // quickly and never call back into the backend. The remote backend gets the reasoning whole
    // when the server answers and calls it once with all of it, before Done. Empty: not called.
    std::function<void(std::string_view)> on_reasoning;
    // The request's trace: a backend that calls a model server reports that call as a span under
    // it and sends the server a traceparent naming that span.
    Tracing tracing = {};
};

using JobId = uint64_t;

// One server a backend sends work to, as /metrics shows it.
struct ServerLoad {
    std::string server;  // its base URL
    bool in_rotation = true;
    int outstanding = 0;         // requests in flight there now
    uint64_t jobs = 0;           // jobs answered there
    uint64_t prompt_tokens = 0;  // their prompt tokens ...
    uint64_t cached_tokens = 0;  // ... and of those, the ones its prompt cache held
};

// Why a job ended without an answer of the model's, the same on every backend.
enum class Stop {
    deadline,   // status timeout (a server may then apply fail_open / fail_closed)
    cancelled,  // status error, "cancelled"
    shutdown,   // status error, "shut down"
};

// Whether `job`'s deadline has passed.
bool past_deadline(const Job& job,
                   std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

// A verdict for `job` that has none of the model's: status error with `message`.
Verdict failed_verdict(const Job& job, std::string message);
// A verdict for `job` stopped by `why` (see Stop).
Verdict stopped_verdict(const Job& job, Stop why);

// Receives the job's verdict, exactly once, possibly on another thread.
using Done = std::function<void(Verdict)>;

class Backend {
public:
    virtual ~Backend() = default;
    virtual JobId submit(Job job, Done done) = 0;
    // Ends a queued or running job early; its Done then receives stopped_verdict(Stop::cancelled).
    // Unknown or finished ids are ignored.
    virtual void cancel(JobId id) = 0;
    // How many tokens `content` takes in a prompt, where the backend can count them exactly (a
    // server checks its token limit with this before queueing); nullopt where it cannot.
    virtual std::optional<int> content_tokens(const Content& content) const {
        (void)content;
        return std::nullopt;
    }
    // How many content tokens `job` (its policy, mode and budget) leaves room for in the model's
    // context, where the backend knows; nullopt where it cannot. Content longer than that cannot
    // be judged, and a server refuses it before queueing.
    virtual std::optional<int> content_room(const Job& job) const {
        (void)job;
        return std::nullopt;
    }
    // The servers the backend spreads jobs over; empty for one that runs the model itself.
    virtual std::vector<ServerLoad> server_loads() const { return {}; }
};

}  // namespace arbiter
