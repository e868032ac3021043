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

bool JobRunner::submit_detached(Job job, size_t max_depth, Done done) {
    {
        std::lock_guard lock(mutex_);
        if (depth_ + 1 > max_depth) return false;
        ++depth_;
    }
    try {
        backend_.submit(std::move(job), [this, done = std::move(done)](Verdict v) {
            release(1);
            done(std::move(v));
        });
    } catch (const std::exception&) {
        release(1);
        return false;
    }
    return true;
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

    for (size_t i = 0; i < jobs.size(); ++i) {
        Job job = jobs[i];
        job.deadline = deadline;
        try {
            const JobId id = backend_.submit(std::move(job), [this, pending, i](Verdict v) {
                release(1);
                std::lock_guard lock(pending->mutex);
                pending->verdicts[i] = std::move(v);
                pending->done.notify_all();  // wait_each hands each verdict on as it arrives
            });
            std::lock_guard lock(pending->mutex);
            batch->ids.push_back(id);
        } catch (const std::exception& e) {
            release(1);
            std::lock_guard lock(pending->mutex);
            pending->verdicts[i] = failed_verdict(jobs[i], e.what());
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
    std::vector<Verdict> verdicts(batch.jobs.size());
    wait_each(batch, [&](size_t i, Verdict v) { verdicts[i] = std::move(v); });
    return verdicts;
}

void JobRunner::wait_each(Batch& batch, const std::function<void(size_t, Verdict)>& each) {
    Pending& pending = *batch.pending;
    std::vector<bool> given(batch.jobs.size(), false);
    size_t left = given.size();
    const auto ready = [&] {
        for (size_t i = 0; i < given.size(); ++i) {
            if (!given[i] && pending.verdicts[i]) return true;
        }
        return false;
    };
    std::unique_lock lock(pending.mutex);
    auto until = batch.deadline + kGrace;
    bool cancelled = false;
    while (left > 0) {
        if (!pending.done.wait_until(lock, until, ready)) {
            if (cancelled) break;
            // Past the deadline and its grace: what is still running is cancelled, and has one
            // more grace period to report.
            lock.unlock();
            cancel(batch);
            lock.lock();
            cancelled = true;
            until = std::chrono::steady_clock::now() + kGrace;
            continue;
        }
        for (size_t i = 0; i < given.size(); ++i) {
            if (given[i] || !pending.verdicts[i]) continue;
            given[i] = true;
            --left;
            Verdict v = std::move(*pending.verdicts[i]);
            lock.unlock();  // `each` may take its time (a log write): the backend keeps answering
            each(i, std::move(v));
            lock.lock();
        }
    }
    lock.unlock();
    for (size_t i = 0; i < given.size(); ++i) {
        if (!given[i]) each(i, stopped_verdict(batch.jobs[i], Stop::deadline));
    }
}

}  // namespace arbiter::service
