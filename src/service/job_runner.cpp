#include "service/job_runner.h"

#include <condition_variable>

namespace arbiter::service {

namespace {

// What the request and the backend's callbacks share; outlives the request if the backend
// answers late.
struct Pending {
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::optional<Verdict>> verdicts;
    size_t remaining = 0;
};

}  // namespace

class JobRunner::Batch {
public:
    std::shared_ptr<Pending> pending;
    std::vector<JobId> ids;  // under pending->mutex: a cancel may read them while jobs are submitted
    std::vector<Job> jobs;
    std::chrono::steady_clock::time_point deadline;
};

size_t JobRunner::depth() const {
    std::lock_guard lock(mutex_);
    return depth_;
}

void JobRunner::release(size_t n) {
    std::lock_guard lock(mutex_);
    depth_ -= n;
}

std::optional<std::vector<Verdict>> JobRunner::run(std::vector<Job> jobs,
                                                   std::chrono::steady_clock::time_point deadline) {
    const std::shared_ptr<Batch> batch = start(std::move(jobs), deadline);
    if (!batch) return std::nullopt;
    return wait(*batch);
}

std::shared_ptr<JobRunner::Batch> JobRunner::start(std::vector<Job> jobs,
                                                   std::chrono::steady_clock::time_point deadline) {
    {
        std::lock_guard lock(mutex_);
        if (depth_ + jobs.size() > capacity_) return nullptr;
        depth_ += jobs.size();
    }
    auto batch = std::make_shared<Batch>();
    batch->deadline = deadline;
    auto& pending = batch->pending;
    pending = std::make_shared<Pending>();
    pending->verdicts.resize(jobs.size());
    pending->remaining = jobs.size();

    for (size_t i = 0; i < jobs.size(); ++i) {
        Job job = jobs[i];
        job.deadline = deadline;
        try {
            const JobId id = backend_.submit(std::move(job), [this, pending, i](Verdict v) {
                release(1);
                std::lock_guard lock(pending->mutex);
                pending->verdicts[i] = std::move(v);
                if (--pending->remaining == 0) pending->done.notify_all();
            });
            std::lock_guard lock(pending->mutex);
            batch->ids.push_back(id);
        } catch (const std::exception& e) {
            release(1);
            std::lock_guard lock(pending->mutex);
            pending->verdicts[i] = failed_verdict(jobs[i], e.what());
            --pending->remaining;
        }
    }
    batch->jobs = std::move(jobs);
    return batch;
}

void JobRunner::cancel(Batch& batch) {
    std::vector<JobId> ids;
    {
        std::lock_guard lock(batch.pending->mutex);
        ids = batch.ids;
    }
    for (JobId id : ids) backend_.cancel(id);
}

std::vector<Verdict> JobRunner::wait(Batch& batch) {
    Pending& pending = *batch.pending;
    std::unique_lock lock(pending.mutex);
    if (!pending.done.wait_until(lock, batch.deadline + kGrace, [&] { return pending.remaining == 0; })) {
        lock.unlock();
        cancel(batch);
        lock.lock();
        pending.done.wait_for(lock, kGrace, [&] { return pending.remaining == 0; });
    }
    std::vector<Verdict> verdicts;
    verdicts.reserve(batch.jobs.size());
    for (size_t i = 0; i < batch.jobs.size(); ++i)
        verdicts.push_back(pending.verdicts[i] ? std::move(*pending.verdicts[i])
                                               : stopped_verdict(batch.jobs[i], Stop::deadline));
    return verdicts;
}

}  // namespace arbiter::service
