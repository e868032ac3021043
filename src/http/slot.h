#pragma once
// A place among at most `limit` holders of one kind (streamed answers relayed, upstream requests
// waited for), counted in a shared counter while it lives: whoever finds no room answers 429 at
// once instead of queueing unseen.

#include <atomic>
#include <cstddef>

namespace arbiter::service {

class Slot {
public:
    Slot(std::atomic<size_t>& counter, size_t limit)
        : counter_(counter), held_(counter.fetch_add(1) < limit) {}
    ~Slot() { --counter_; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    bool held() const { return held_; }

private:
    std::atomic<size_t>& counter_;
    const bool held_;
};

}  // namespace arbiter::service
