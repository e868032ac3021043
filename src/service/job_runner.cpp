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

Verdict timed_out(const engine::Job& job) {
    Verdict v;
    v.policy_id = job.policy->id;
    v.policy_version = job.policy->version;
    v.status = VerdictStatus::timeout;
    v.error = "deadline exceeded";
    return v;
}

}  // namespace

size_t JobRunner::depth() const {
    std::lock_guard lock(mutex_);
    return depth_;
}

void JobRunner::release(size_t n) {
    std::lock_guard lock(mutex_);
    depth_ -= n;
}

std::optional<std::vector<Verdict>> JobRunner::run(std::vector<engine::Job> jobs,
                                                   std::chrono::steady_clock::time_point deadline) {
    {
        std::lock_guard lock(mutex_);
        if (depth_ + jobs.size() > capacity_) return std::nullopt;
        depth_ += jobs.size();
    }
    auto pending = std::make_shared<Pending>();
    pending->verdicts.resize(jobs.size());
    pending->remaining = jobs.size();

    std::vector<engine::JobId> ids;
    ids.reserve(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i) {
        engine::Job job = jobs[i];
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
            Verdict v = timed_out(jobs[i]);
            v.status = VerdictStatus::error;
            v.error = e.what();
            std::lock_guard lock(pending->mutex);
            pending->verdicts[i] = std::move(v);
            --pending->remaining;
        }
    }

    std::unique_lock lock(pending->mutex);
    if (!pending->done.wait_until(lock, deadline + kGrace, [&] { return pending->remaining == 0; })) {
        lock.unlock();
        for (engine::JobId id : ids) backend_.cancel(id);
        lock.lock();
        pending->done.wait_for(lock, kGrace, [&] { return pending->remaining == 0; });
    }
    std::vector<Verdict> verdicts;
    verdicts.reserve(jobs.size());
    for (size_t i = 0; i < jobs.size(); ++i)
        verdicts.push_back(pending->verdicts[i] ? std::move(*pending->verdicts[i]) : timed_out(jobs[i]));
    return verdicts;
}

}  // namespace arbiter::service
