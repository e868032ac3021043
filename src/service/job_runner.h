#pragma once
// Runs one request's jobs on the backend and waits for their verdicts, within a bounded queue:
// a request whose jobs would take the backend past `capacity` outstanding jobs is refused whole
// (the server answers 429) rather than queued, so memory stays bounded whatever the load.
//
// The wait ends at the request's deadline (plus a grace period for the backend to report the
// timeout itself); a job still unanswered then is cancelled and gets a timeout verdict. Slots are
// given back when the backend answers, not when the request gives up, so the bound always counts
// work the backend really holds.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/backend.h"
#include "core/verdict.h"

namespace arbiter::service {

class JobRunner {
public:
    JobRunner(Backend& backend, size_t capacity) : backend_(backend), capacity_(capacity) {}

    // One request's jobs once admitted and submitted.
    class Batch;

    // Verdicts in the order of `jobs`; empty if the queue has no room for all of them.
    std::optional<std::vector<Verdict>> run(std::vector<Job> jobs,
                                            std::chrono::steady_clock::time_point deadline);
    // run() in two steps, for a request that answers once its jobs are admitted and the verdicts
    // later (the playground's event stream): start() admits and submits (nullptr if the queue has
    // no room), wait() blocks for the verdicts as run() does. cancel() ends the batch's jobs early
    // (a client that left); safe from any thread, before or during wait().
    std::shared_ptr<Batch> start(std::vector<Job> jobs, std::chrono::steady_clock::time_point deadline);
    std::vector<Verdict> wait(Batch& batch);
    // wait(), handing each verdict to `each(index, verdict)` on this thread as soon as it arrives,
    // in the order they arrive; each index exactly once.
    void wait_each(Batch& batch, const std::function<void(size_t, Verdict)>& each);
    void cancel(Batch& batch);

    // Submits one job whose verdict goes to `done` (on the backend's thread) instead of a waiting
    // request, if the queue holds at most `max_depth` jobs with it; false, and nothing queued,
    // otherwise. Its slot is held until the backend answers, like every job's.
    bool submit_detached(Job job, size_t max_depth, Done done);

    size_t depth() const;
    size_t capacity() const { return capacity_; }

    // How long after a deadline the backend has to report the timeout before jobs are cancelled.
    static constexpr std::chrono::milliseconds kGrace{2000};

private:
    void release(size_t n);

    Backend& backend_;
    const size_t capacity_;
    mutable std::mutex mutex_;
    size_t depth_ = 0;
};

}  // namespace arbiter::service
