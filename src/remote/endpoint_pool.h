#pragma once
// The servers of a remote backend and their state: which are in rotation, how many requests each
// has outstanding (each has a limit), and a circuit breaker per server: after a run of failures a
// server is ejected, probed after a cool-down, and put back when the probe succeeds.
//
// Where a request goes (Route): a job's later steps go where its first went, since that server's
// KV cache holds the prompt so far. A first request with an affinity key (the policy prefix's)
// goes by rendezvous hashing with bounded load: every server gets a score from the key and its
// own name, and the request takes the best-scored server whose demand (requests in flight and
// waiting for it) stays under 1.1 times the mean, so jobs of one policy meet the server that
// cached its prefix, no server's queue grows much past the others', and ejecting a server moves
// only the keys it had. Such a request waits for its server's room. Without a route, or when the
// route's servers are all out, the server in rotation with the fewest outstanding (round-robin
// among ties).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter::remote {

// The servers' names for routing: their URLs as parsed, so that "http://h:8000/" and
// "http://h:8000" (in another instance's configuration) route alike.
std::vector<std::string> server_names(const std::vector<std::string>& urls);

// The affinity key of a text (a policy prefix): the same in every process.
uint64_t affinity_key(std::string_view text);

struct Route {
    std::optional<uint64_t> affinity;  // requests with the same key prefer the same server
    std::optional<size_t> pinned;      // where this job's earlier steps ran: waited for
    std::optional<size_t> avoid;       // the server that just failed: any other is preferred
};

class EndpointPool {
public:
    using Clock = std::chrono::steady_clock;

    // `names` identify the servers for rendezvous hashing (their URLs: the same in every arbiter
    // instance, whatever their order).
    EndpointPool(std::vector<std::string> names, int max_outstanding, int failures_to_eject,
                 Clock::duration eject_for);
    EndpointPool(size_t endpoints, int max_outstanding, int failures_to_eject, Clock::duration eject_for);

    // Waits for a server in rotation with room, until `until` or until `give_up` returns true (it
    // is checked whenever the pool changes and after wake()), and chooses one by `route`.
    std::optional<size_t> acquire(Clock::time_point until, const std::function<bool()>& give_up,
                                  const Route& route = {});
    // Ends a request acquired on `endpoint`. A failure (no answer, 5xx) counts towards ejection; a
    // success resets the count.
    void release(size_t endpoint, bool success);

    // Health checks: servers whose probe is due (ejected ones after their cool-down; every server
    // at `every`).
    std::vector<size_t> due_for_probe(Clock::duration every);
    void probe_result(size_t endpoint, bool healthy);

    // The server asked for no requests until `until` (429 with Retry-After): it stays in
    // rotation and gets none before then.
    void hold(size_t endpoint, Clock::time_point until);

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
        uint64_t name_hash = 0;
        int waiting = 0;  // routed requests waiting for this server's room
        Clock::time_point held_until{};
    };
    void eject(Endpoint& e);
    // The server `route` waits for, or nullopt when it names none available (mutex_ held).
    std::optional<size_t> target(const Route& route) const;
    std::optional<size_t> by_affinity(uint64_t key, std::optional<size_t> avoid) const;
    // When the first hold ends (max(): none is held).
    Clock::time_point next_release() const;
    std::optional<size_t> least_outstanding(std::optional<size_t> avoid) const;
    // In rotation and not held (mutex_ held).
    bool available(size_t i) const;
    bool has_room(size_t i) const;

    int max_outstanding_;
    int failures_to_eject_;
    Clock::duration eject_for_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<Endpoint> endpoints_;
    size_t next_ = 0;  // ties go round-robin
};

}  // namespace arbiter::remote
