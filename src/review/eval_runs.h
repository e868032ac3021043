#pragma once
// Runs in the background (docs/review-api.md, "Runs"): a candidate version of a policy judged
// over the policy's labelled set beside a baseline version, or over its last logged decisions
// against the verdicts logged then, and compared as `arbiter eval --compare` compares: metrics
// with intervals for both, curves, every flipped item with both rationales.
//
// The queue is the run store's table (storage/run_store.h), shared by every instance on one
// database: each instance's worker claims one run at a time, the oldest waiting, under a lease
// that each chunk renews, and judges it in chunks through the job runner that take at most half
// the queue, so live traffic keeps its room. A cancel from any instance stops the chunk in flight
// (at once on the instance running it; at its next chunk from another). An instance that stops
// puts its run back in the queue; one that dies leaves it to be taken over when its lease runs
// out. Run verdicts are measurements, not answers to traffic: they are not logged as decisions.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/backend.h"
#include "service/job_runner.h"
#include "service/service_context.h"
#include "storage/run_store.h"

namespace arbiter::service {

struct RunPlan {
    std::string policy_id;
    std::shared_ptr<const Policy> candidate;
    std::shared_ptr<const Policy> baseline;  // null: replay against the logged verdicts
    size_t replay = 0;                       // 0: the labelled set; else the last N logged decisions
    Mode mode = Mode::score;
};

// A run refused because the queue is full (in all, or for the key that asked): a run can keep the
// engine busy for a long time, so the queue is short and no one key may fill it.
class RunQueueFull : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class EvalRuns {
public:
    static constexpr size_t kMaxQueued = 16;       // runs waiting, in all
    static constexpr size_t kMaxQueuedPerKey = 4;  // runs waiting that one key started

    explicit EvalRuns(ServiceContext& context);
    ~EvalRuns();
    EvalRuns(const EvalRuns&) = delete;
    EvalRuns& operator=(const EvalRuns&) = delete;

    // Stores the run (queued) and returns it. `spec` is the request as checked (review/run_routes.cpp),
    // from which the instance that claims it builds its plan (review/run_inputs.h). Throws
    // RunQueueFull past kMaxQueued, or kMaxQueuedPerKey for `created_by`.
    storage::Run start(nlohmann::ordered_json spec, const std::string& policy_id,
                       const std::string& created_by);
    // Stops a queued or running run, wherever it runs.
    storage::Cancelled cancel(const std::string& id);
    // Stops the worker, putting its run back in the queue: before the backend goes.
    void stop();

private:
    // Cancels the chunk in flight, if any (with mutex_ held).
    void cancel_chunk();
    void work();
    void execute(storage::Run run);
    // Judges the next chunk of `jobs` (those after `verdicts`) and appends its verdicts, or waits
    // a moment when the queue has no room for it (live traffic first).
    void judge_chunk(const std::vector<Job>& jobs, std::vector<Verdict>& verdicts);

    ServiceContext& context_;
    std::mutex start_mutex_;  // from the room check to the insert, so requests at once cannot overfill
    std::mutex mutex_;
    std::condition_variable wake_;
    std::string running_;  // the run being executed, if any
    bool cancel_running_ = false;
    // Its chunk in flight and the runner holding it, so a cancel stops the jobs at once.
    std::shared_ptr<JobRunner::Batch> chunk_;
    JobRunner* chunk_runner_ = nullptr;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace arbiter::service
