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
    {
        std::lock_guard lock(mutex_);
        if (depth_ + jobs.size() > capacity_) return std::nullopt;
        depth_ += jobs.size();
    }
    auto pending = std::make_shared<Pending>();
    pending->verdicts.resize(jobs.size());
    pending->remaining = jobs.size();

    std::vector<JobId> ids;
    ids.reserve(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i) {
        Job job = jobs[i];
        job.deadline = deadline;
        try {
            ids.push_back(backend_.submit(std::move(job), [this, pending, i](Verdict v) {
                release(1);
                std::lock_guard lock(pending->mutex);
                pending->verdicts[i] = std::move(v);
                if (--pending->remaining == 0) pending->done.notify_all();
            }));
        } catch (const std::exception& e) {
            release(1);
            std::lock_guard lock(pending->mutex);
            pending->verdicts[i] = failed_verdict(jobs[i], e.what());
            --pending->remaining;
        }
    }

    std::unique_lock lock(pending->mutex);
    if (!pending->done.wait_until(lock, deadline + kGrace, [&] { return pending->remaining == 0; })) {
        lock.unlock();
        for (JobId id : ids) backend_.cancel(id);
        lock.lock();
        pending->done.wait_for(lock, kGrace, [&] { return pending->remaining == 0; });
    }
    std::vector<Verdict> verdicts;
    verdicts.reserve(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i)
        verdicts.push_back(pending->verdicts[i] ? std::move(*pending->verdicts[i])
                                                : stopped_verdict(jobs[i], Stop::deadline));
    return verdicts;
}

}  // namespace arbiter::service
