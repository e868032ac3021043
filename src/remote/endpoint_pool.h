#pragma once
// The servers of a remote backend and their state: which are in rotation, how many requests each
// has outstanding (each has a limit), and a circuit breaker per server: after a run of failures a
// server is ejected, probed after a cool-down, and put back when the probe succeeds.
// Requests go to the server in rotation with the fewest outstanding.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace arbiter::remote {

class EndpointPool {
public:
    using Clock = std::chrono::steady_clock;

    EndpointPool(size_t endpoints, int max_outstanding, int failures_to_eject, Clock::duration eject_for);

    // Waits for a server in rotation with room, until `until` or until `give_up` returns true (it
    // is checked whenever the pool changes and after wake()). Prefers any server but `avoid`
    // (the one that just failed) among those with the fewest outstanding requests.
    std::optional<size_t> acquire(Clock::time_point until, const std::function<bool()>& give_up,
                                  std::optional<size_t> avoid = std::nullopt);
    // Ends a request acquired on `endpoint`. A failure (no answer, 5xx) counts towards ejection; a
    // success resets the count.
    void release(size_t endpoint, bool success);

    // Health checks: servers whose probe is due (ejected ones after their cool-down; every server
    // at `every`).
    std::vector<size_t> due_for_probe(Clock::duration every);
    void probe_result(size_t endpoint, bool healthy);

    // Re-checks every waiting acquire's give_up.
    void wake();

    struct State {
        bool in_rotation = true;
        int outstanding = 0;
        int consecutive_failures = 0;
        int ejections = 0;
    };
    State state(size_t endpoint) const;

private:
    struct Endpoint {
        State state;
        Clock::time_point ejected_until{};
        // Empty until the first probe: never probed means due (steady_clock's epoch is boot time,
        // which on a fresh machine is less than `every` ago).
        std::optional<Clock::time_point> last_probe;
    };
    void eject(Endpoint& e);

    int max_outstanding_;
    int failures_to_eject_;
    Clock::duration eject_for_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Endpoint> endpoints_;
    size_t next_ = 0;  // ties go round-robin
};

}  // namespace arbiter::remote
