#include "review/eval_runs.h"

#include <algorithm>
#include <chrono>

#include "core/random_id.h"
#include "core/store_error.h"
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
// How often an idle worker looks for runs that other instances queued or left.
constexpr std::chrono::seconds kClaimEvery{1};

}  // namespace

EvalRuns::EvalRuns(ServiceContext& context) : context_(context), worker_([this] { work(); }) {}

EvalRuns::~EvalRuns() {
    stop();
}

storage::Run EvalRuns::start(nlohmann::ordered_json spec, const std::string& policy_id,
                             const std::string& created_by) {
    storage::Run run;
    run.id = random_id("run_");
    run.created_at = storage::utc_timestamp_now();
    run.created_by = created_by;
    run.policy_id = policy_id;
    run.spec = std::move(spec);
    run.status = "queued";
    {
        // A refused run leaves nothing in the store. Instances share the queue: requests to two
        // at the same moment may pass the check together, which a limit this coarse can bear.
        std::lock_guard lock(start_mutex_);
        const storage::QueuedRuns queued = context_.runs.queued(created_by);
        if (queued.all >= kMaxQueued)
            throw RunQueueFull(std::to_string(queued.all) +
                               " runs are waiting, the most the server queues; " +
                               "retry when one has finished");
        if (queued.mine >= kMaxQueuedPerKey)
            throw RunQueueFull("'" + created_by + "' has " + std::to_string(queued.mine) +
                               " runs waiting, the most one key may queue; retry when one has finished");
        context_.runs.add(run);
    }
    wake_.notify_one();
    return run;
}

storage::Cancelled EvalRuns::cancel(const std::string& id) {
    {
        std::lock_guard lock(mutex_);
        if (running_ == id) {
            cancel_running_ = true;
            cancel_chunk();
            return storage::Cancelled::now;
        }
    }
    return context_.runs.cancel(id);
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
        std::optional<storage::Run> next;
        try {
            // Not while the model loads: a run claimed then would fail for nothing.
            if (context_.readiness() == "ready")
                next = context_.runs.claim(context_.config.instance, context_.settings()->run_lease);
        } catch (const StoreError&) {
            // The database is away: the worker asks again at its next turn.
        }
        std::unique_lock lock(mutex_);
        if (stopping_) {
            if (next) {
                lock.unlock();
                context_.runs.release(next->id, context_.config.instance);
            }
            return;
        }
        if (!next) {
            // Runs queued here wake the worker at once; those queued on other instances, or left
            // by a dead one, are found at the next turn.
            wake_.wait_for(lock, kClaimEvery);
            continue;
        }
        running_ = next->id;
        cancel_running_ = false;
        lock.unlock();
        execute(std::move(*next));
        lock.lock();
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
        runner.depth() + n <= half_queue
            ? runner.start(chunk, Clock::now() + context_.settings()->request_timeout)
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

void EvalRuns::execute(storage::Run run) {
    storage::RunStore& store = context_.runs;
    const std::string& instance = context_.config.instance;
    const auto finish = [&](std::string status, std::string error) {
        run.status = std::move(status);
        run.error = std::move(error);
        store.finish(run, instance);
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
            store.release(run.id, instance);
        } else if (cancel) {
            finish("cancelled", "");
        }
        return stop || cancel;
    };
    // Writes the progress and renews the lease; false when the run was lost to another instance.
    const auto progress = [&] {
        const storage::Lease lease = store.renew(run, instance, context_.settings()->run_lease);
        if (lease.cancel_requested) {
            std::lock_guard lock(mutex_);
            cancel_running_ = true;
        }
        return lease.held;
    };
    try {
        const RunPlan plan = plan_of(context_, run);
        const std::vector<RunInput> inputs = run_inputs(context_, plan);
        const std::vector<Job> jobs = run_jobs(plan, inputs);
        run.total = static_cast<int64_t>(jobs.size());
        if (!progress()) return;
        std::vector<Verdict> verdicts;
        while (verdicts.size() < jobs.size()) {
            if (interrupted()) return;
            judge_chunk(jobs, verdicts);
            run.done = static_cast<int64_t>(verdicts.size());
            if (!progress()) return;
        }
        if (interrupted()) return;
        const auto half = verdicts.begin() + static_cast<std::ptrdiff_t>(inputs.size());
        run.results = run_results(plan, inputs, std::vector<Verdict>(verdicts.begin(), half),
                                  std::vector<Verdict>(half, verdicts.end()));
        finish("done", "");
    } catch (const StoreError&) {
        // The database is away: the lease runs out and an instance takes the run over later.
    } catch (const std::exception& e) {
        // A RunError says what to do; anything else (a 503 while the server drains, a full disk)
        // is reported as it came.
        if (!interrupted()) finish("failed", e.what());
    }
}

}  // namespace arbiter::service
