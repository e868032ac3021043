#pragma once
// Runs in the background (docs/review-api.md, "Runs"): a candidate version of a policy judged
// over the policy's labelled set beside a baseline version, or over its last logged decisions
// against the verdicts logged then, and compared as `arbiter eval --compare` compares: metrics
// with intervals for both, curves, every flipped item with both rationales.
//
// One run at a time (the rest wait, queued), on one thread, in chunks through the job runner that
// take at most half the queue, so live traffic keeps its room; a cancel stops the chunk in flight.
// Progress and results are written to the run store. Run verdicts are measurements, not answers to traffic:
// they are not logged as decisions.

#include <condition_variable>
#include <deque>
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

    // Stores the run (queued) and returns it. `spec` is the request as checked, kept with it.
    // Throws RunQueueFull past kMaxQueued, or kMaxQueuedPerKey for `created_by`.
    storage::Run start(nlohmann::ordered_json spec, RunPlan plan, const std::string& created_by);
    // Stops a queued or running run; false when it is unknown or already finished.
    bool cancel(const std::string& id);
    // Cancels every run and waits for the worker: before the backend goes.
    void stop();

private:
    // Cancels the chunk in flight, if any (with mutex_ held).
    void cancel_chunk();

    struct Pending {
        std::string id;
        RunPlan plan;
        std::string created_by;
    };
    // Throws RunQueueFull when `created_by` may queue no more (with mutex_ held).
    void check_room(const std::string& created_by) const;
    void work();
    void execute(const Pending& pending);
    // Judges the next chunk of `jobs` (those after `verdicts`) and appends its verdicts, or waits
    // a moment when the queue has no room for it (live traffic first).
    void judge_chunk(const std::vector<Job>& jobs, std::vector<Verdict>& verdicts);

    ServiceContext& context_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    std::string running_;  // the run being executed, if any
    bool cancel_running_ = false;
    // Its chunk in flight and the runner holding it, so a cancel stops the jobs at once.
    std::shared_ptr<JobRunner::Batch> chunk_;
    JobRunner* chunk_runner_ = nullptr;
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace arbiter::service
