#include "service/bounded_task_queue.h"

namespace arbiter::service {

BoundedTaskQueue::BoundedTaskQueue(size_t threads, size_t max_pending) : max_pending_(max_pending) {
    workers_.reserve(threads);
    for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

BoundedTaskQueue::~BoundedTaskQueue() {
    BoundedTaskQueue::shutdown();  // this class's own: no virtual dispatch during destruction
}

void BoundedTaskQueue::enqueue(std::function<void()> fn) {
    std::unique_lock lock(mutex_);
    room_.wait(lock, [&] { return pending_.size() < max_pending_ || stopping_; });
    pending_.push_back(std::move(fn));
    ready_.notify_one();
}

void BoundedTaskQueue::shutdown() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty()) return;
        stopping_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
}

void BoundedTaskQueue::work() {
    for (;;) {
        std::function<void()> fn;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return !pending_.empty() || stopping_; });
            if (pending_.empty()) return;  // stopping, and nothing left to run
            fn = std::move(pending_.front());
            pending_.pop_front();
        }
        room_.notify_one();
        fn();
    }
}

}  // namespace arbiter::service
