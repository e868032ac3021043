#include "remote/endpoint_pool.h"

#include <stdexcept>

namespace arbiter::remote {

EndpointPool::EndpointPool(size_t endpoints, int max_outstanding, int failures_to_eject,
                           Clock::duration eject_for)
    : max_outstanding_(max_outstanding),
      failures_to_eject_(failures_to_eject),
      eject_for_(eject_for),
      endpoints_(endpoints) {
    if (endpoints == 0) throw std::invalid_argument("a remote backend needs at least one endpoint");
    if (max_outstanding < 1) throw std::invalid_argument("max concurrency per endpoint must be at least 1");
    if (failures_to_eject < 1) throw std::invalid_argument("failures to eject must be at least 1");
}

std::optional<size_t> EndpointPool::acquire(Clock::time_point until, const std::function<bool()>& give_up,
                                            std::optional<size_t> avoid) {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (give_up && give_up()) return std::nullopt;
        std::optional<size_t> best;
        bool best_avoided = true;
        for (size_t k = 0; k < endpoints_.size(); ++k) {
            const size_t i = (next_ + k) % endpoints_.size();
            const State& s = endpoints_[i].state;
            if (!s.in_rotation || s.outstanding >= max_outstanding_) continue;
            const bool avoided = avoid && *avoid == i;
            if (!best || (best_avoided && !avoided) ||
                (best_avoided == avoided && s.outstanding < endpoints_[*best].state.outstanding)) {
                best = i;
                best_avoided = avoided;
            }
        }
        if (best) {
            endpoints_[*best].state.outstanding++;
            next_ = (*best + 1) % endpoints_.size();
            return best;
        }
        if (Clock::now() >= until) return std::nullopt;
        changed_.wait_until(lock, until);
    }
}

void EndpointPool::eject(Endpoint& e) {
    e.state.in_rotation = false;
    e.state.ejections++;
    e.ejected_until = Clock::now() + eject_for_;
}

void EndpointPool::release(size_t endpoint, bool success) {
    {
        std::lock_guard lock(mutex_);
        Endpoint& e = endpoints_.at(endpoint);
        e.state.outstanding--;
        if (success) {
            e.state.consecutive_failures = 0;
        } else if (++e.state.consecutive_failures >= failures_to_eject_ && e.state.in_rotation) {
            eject(e);
        }
    }
    changed_.notify_all();
}

std::vector<size_t> EndpointPool::due_for_probe(Clock::duration every) {
    std::lock_guard lock(mutex_);
    const Clock::time_point now = Clock::now();
    std::vector<size_t> due;
    for (size_t i = 0; i < endpoints_.size(); ++i) {
        Endpoint& e = endpoints_[i];
        const bool due_now =
            e.state.in_rotation ? !e.last_probe || now - *e.last_probe >= every : now >= e.ejected_until;
        if (due_now) {
            e.last_probe = now;
            due.push_back(i);
        }
    }
    return due;
}

void EndpointPool::probe_result(size_t endpoint, bool healthy) {
    {
        std::lock_guard lock(mutex_);
        Endpoint& e = endpoints_.at(endpoint);
        if (healthy) {
            e.state.in_rotation = true;
            e.state.consecutive_failures = 0;
        } else if (e.state.in_rotation) {
            eject(e);
        } else {
            e.ejected_until = Clock::now() + eject_for_;
        }
    }
    changed_.notify_all();
}

void EndpointPool::wake() {
    { std::lock_guard lock(mutex_); }
    changed_.notify_all();
}

EndpointPool::State EndpointPool::state(size_t endpoint) const {
    std::lock_guard lock(mutex_);
    return endpoints_.at(endpoint).state;
}

}  // namespace arbiter::remote
