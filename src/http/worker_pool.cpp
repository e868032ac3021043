#include "http/worker_pool.h"

namespace arbiter::service {

WorkerPool::WorkerPool(size_t threads, size_t max_pending) : max_pending_(max_pending) {
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : workers_) t.join();
}

bool WorkerPool::try_submit(std::function<void()> task) {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ || pending_.size() >= max_pending_) return false;
        pending_.push_back(std::move(task));
    }
    ready_.notify_one();
    return true;
}

void WorkerPool::work() {
    for (;;) {
        std::function<void()> task;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
            if (pending_.empty()) return;  // stopping, and nothing left to run
            task = std::move(pending_.front());
            pending_.pop_front();
        }
        task();
    }
}

}  // namespace arbiter::service
