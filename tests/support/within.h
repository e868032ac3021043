#pragma once
// Waiting for what another thread or process brings about, with a deadline: true as soon as
// `seen` holds, false if it still does not once `limit` has passed.

#include <chrono>
#include <functional>
#include <thread>

namespace arbiter::test {

inline bool within(std::chrono::milliseconds limit, const std::function<bool()>& seen) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (seen()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return seen();
}

}  // namespace arbiter::test
