#include "review/eval_runs.h"

#include <algorithm>
#include <chrono>

#include "core/random_id.h"
#include "http/http_reply.h"
#include "review/run_inputs.h"
#include "storage/decision_log.h"

namespace arbiter::service {

namespace {

using Clock = std::chrono::steady_clock;

// Jobs in flight at once (and at most half the queue): small enough that progress moves often.
constexpr size_t kChunk = 8;
// How long a chunk waits for room in the queue before trying again.
constexpr std::chrono::milliseconds kRetry{200};

}  // namespace

EvalRuns::EvalRuns(ServiceContext& context) : context_(context), worker_([this] { work(); }) {}

EvalRuns::~EvalRuns() {
    stop();
}

void EvalRuns::check_room(const std::string& created_by) const {
    if (queue_.size() >= kMaxQueued)
        throw RunQueueFull(std::to_string(queue_.size()) + " runs are waiting, the most the server queues; " +
                           "retry when one has finished");
    const auto mine = static_cast<size_t>(std::count_if(
        queue_.begin(), queue_.end(), [&](const Pending& p) { return p.created_by == created_by; }));
    if (mine >= kMaxQueuedPerKey)
        throw RunQueueFull("'" + created_by + "' has " + std::to_string(mine) +
                           " runs waiting, the most one key may queue; retry when one has finished");
}

storage::Run EvalRuns::start(nlohmann::ordered_json spec, RunPlan plan, const std::string& created_by) {
    storage::Run run;
    run.id = random_id("run_");
    run.created_at = storage::utc_timestamp_now();
    run.created_by = created_by;
    run.policy_id = plan.policy_id;
    run.spec = std::move(spec);
    run.status = "queued";
    {
        // One lock from the check to the queue, so that requests at once cannot overfill it; a
        // refused run leaves nothing in the store.
        std::lock_guard lock(mutex_);
        check_room(created_by);
        context_.runs.add(run);
        queue_.push_back({run.id, std::move(plan), created_by});
    }
    wake_.notify_one();
    return run;
}

bool EvalRuns::cancel(const std::string& id) {
    std::unique_lock lock(mutex_);
    if (running_ == id) {
        cancel_running_ = true;
        cancel_chunk();
        return true;
    }
    const auto queued =
        std::find_if(queue_.begin(), queue_.end(), [&](const Pending& p) { return p.id == id; });
    if (queued == queue_.end()) return false;
    queue_.erase(queued);
    lock.unlock();
    if (std::optional<storage::Run> run = context_.runs.get(id)) {
        run->status = "cancelled";
        run->finished_at = storage::utc_timestamp_now();
        context_.runs.update(*run);
    }
    return true;
}

void EvalRuns::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        cancel_running_ = true;
        cancel_chunk();
    }
    wake_.notify_all();
    if (worker_.joinable()) worker_.join();
}

void EvalRuns::cancel_chunk() {
    if (chunk_) chunk_runner_->cancel(*chunk_);
}

void EvalRuns::work() {
    while (true) {
        Pending next;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;  // queued runs stay queued; the store marks them failed at next start
            next = std::move(queue_.front());
            queue_.pop_front();
            running_ = next.id;
            cancel_running_ = false;
        }
        execute(next);
        std::lock_guard lock(mutex_);
        running_.clear();
    }
}

namespace {

// Candidate jobs first, then the baseline's: verdicts[k] answers jobs[k].
std::vector<Job> run_jobs(const RunPlan& plan, const std::vector<RunInput>& inputs) {
    std::vector<Job> jobs;
    for (const auto& policy : {plan.candidate, plan.baseline}) {
        if (!policy) continue;
        for (const RunInput& input : inputs) {
            Job job;
            job.policy = policy;
            job.content = input.content;
            job.mode = plan.mode;
            jobs.push_back(std::move(job));
        }
    }
    return jobs;
}

}  // namespace

void EvalRuns::judge_chunk(const std::vector<Job>& jobs, std::vector<Verdict>& verdicts) {
    JobRunner& runner = context_.runner();
    const size_t half_queue = std::max<size_t>(1, runner.capacity() / 2);
    const size_t n = std::min({kChunk, half_queue, jobs.size() - verdicts.size()});
    const std::vector<Job> chunk(jobs.begin() + static_cast<std::ptrdiff_t>(verdicts.size()),
                                 jobs.begin() + static_cast<std::ptrdiff_t>(verdicts.size() + n));
    std::shared_ptr<JobRunner::Batch> batch =
        runner.depth() + n <= half_queue ? runner.start(chunk, Clock::now() + context_.config.request_timeout)
                                         : nullptr;
    if (!batch) {
        std::this_thread::sleep_for(kRetry);
        return;
    }
    {
        std::lock_guard lock(mutex_);
        chunk_ = batch;
        chunk_runner_ = &runner;
        if (cancel_running_) cancel_chunk();  // cancelled while it was being submitted
    }
    std::vector<Verdict> answered = runner.wait(*batch);
    {
        std::lock_guard lock(mutex_);
        chunk_.reset();
    }
    for (Verdict& v : answered) verdicts.push_back(std::move(v));
}

void EvalRuns::execute(const Pending& pending) {
    storage::RunStore& store = context_.runs;
    std::optional<storage::Run> found = store.get(pending.id);
    if (!found) return;
    storage::Run run = std::move(*found);
    const RunPlan& plan = pending.plan;
    const auto finish = [&](std::string status, std::string error) {
        run.status = std::move(status);
        run.error = std::move(error);
        run.finished_at = storage::utc_timestamp_now();
        store.update(run);
    };
    // Ends the run when it was cancelled or the server is stopping; true when it did.
    const auto interrupted = [&] {
        bool stop = false;
        bool cancel = false;
        {
            std::lock_guard lock(mutex_);
            stop = stopping_;
            cancel = cancel_running_;
        }
        if (stop) {
            finish("failed", "the server stopped before the run finished");
        } else if (cancel) {
            finish("cancelled", "");
        }
        return stop || cancel;
    };
    try {
        run.status = "running";
        const std::vector<RunInput> inputs = run_inputs(context_, plan);
        const std::vector<Job> jobs = run_jobs(plan, inputs);
        run.total = static_cast<int64_t>(jobs.size());
        store.update(run);
        std::vector<Verdict> verdicts;
        while (verdicts.size() < jobs.size()) {
            if (interrupted()) return;
            judge_chunk(jobs, verdicts);
            run.done = static_cast<int64_t>(verdicts.size());
            store.update(run);
        }
        if (interrupted()) return;
        const auto half = verdicts.begin() + static_cast<std::ptrdiff_t>(inputs.size());
        run.results = run_results(plan, inputs, std::vector<Verdict>(verdicts.begin(), half),
                                  std::vector<Verdict>(half, verdicts.end()));
        finish("done", "");
    } catch (const std::exception& e) {
        // A RunError says what to do; anything else (a 503 while the server drains, a full disk)
        // is reported as it came.
        if (!interrupted()) finish("failed", e.what());
    }
}

}  // namespace arbiter::service
