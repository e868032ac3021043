#pragma once
// The threads that run blocking handlers (those that wait for the engine or the disk), apart
// from the threads that read sockets, so a slow client never holds one. The queue in front of them
// is bounded: a request that finds it full is refused at once (429) instead of waiting unseen.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace arbiter::service {

class WorkerPool {
public:
    WorkerPool(size_t threads, size_t max_pending);
    // Runs what is queued, then joins the workers.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Queues `task`; false (and `task` dropped) when `max_pending` tasks already wait.
    bool try_submit(std::function<void()> task);

private:
    void work();

    const size_t max_pending_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> pending_;
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace arbiter::service
