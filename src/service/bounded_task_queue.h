#pragma once
// cpp-httplib's connection queue, bounded: its own thread pool queues accepted connections
// without limit. Here at most `max_pending` wait for one of `threads` workers; beyond that the
// accept loop waits, and new connections queue in the kernel's listen backlog instead of memory.

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace arbiter::service {

class BoundedTaskQueue : public httplib::TaskQueue {
public:
    BoundedTaskQueue(size_t threads, size_t max_pending);
    ~BoundedTaskQueue() override;

    void enqueue(std::function<void()> fn) override;
    // Runs what is queued, then joins the workers.
    void shutdown() override;

private:
    void work();

    const size_t max_pending_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable room_;
    std::deque<std::function<void()>> pending_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace arbiter::service
