#include "remote/endpoint_pool.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string_view>

#include "core/base_url.h"

namespace arbiter::remote {

std::vector<std::string> server_names(const std::vector<std::string>& urls) {
    std::vector<std::string> names;
    names.reserve(urls.size());
    for (const std::string& url : urls) {
        const BaseUrl base = parse_base_url(url);
        names.push_back(base.scheme_host_port + base.path_prefix);
    }
    return names;
}

namespace {

// The bound of rendezvous routing: a server takes a keyed request while its demand stays under
// this many times the mean (consistent hashing with bounded loads). Requests queue for their own
// server, so a looser bound leaves the least-wanted server idle longer: at 1.25 the busiest took
// 1.24x the mean and the lightest 0.56x (bench/routing-run).
constexpr double kLoadBound = 1.1;

uint64_t fnv1a(std::string_view text) {
    uint64_t h = 1469598103934665603ULL;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return h;
}

// SplitMix64's finalizer: every input bit moves every output bit, so scores of nearby keys differ.
uint64_t mix(uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::vector<std::string> numbered(size_t n) {
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) names.push_back(std::to_string(i));
    return names;
}

}  // namespace

uint64_t affinity_key(std::string_view text) {
    return fnv1a(text);
}

EndpointPool::EndpointPool(std::vector<std::string> names, int max_outstanding, int failures_to_eject,
                           Clock::duration eject_for)
    : max_outstanding_(max_outstanding),
      failures_to_eject_(failures_to_eject),
      eject_for_(eject_for),
      endpoints_(names.size()) {
    if (names.empty()) throw std::invalid_argument("a remote backend needs at least one endpoint");
    if (max_outstanding < 1) throw std::invalid_argument("max concurrency per endpoint must be at least 1");
    if (failures_to_eject < 1) throw std::invalid_argument("failures to eject must be at least 1");
    for (size_t i = 0; i < names.size(); ++i) endpoints_[i].name_hash = mix(fnv1a(names[i]));
}

EndpointPool::EndpointPool(size_t endpoints, int max_outstanding, int failures_to_eject,
                           Clock::duration eject_for)
    : EndpointPool(numbered(endpoints), max_outstanding, failures_to_eject, eject_for) {}

bool EndpointPool::available(size_t i) const {
    const Endpoint& e = endpoints_[i];
    return e.state.in_rotation && Clock::now() >= e.held_until;
}

bool EndpointPool::has_room(size_t i) const {
    return available(i) && endpoints_[i].state.outstanding < max_outstanding_;
}

void EndpointPool::hold(size_t endpoint, Clock::time_point until) {
    {
        std::lock_guard lock(mutex_);
        Endpoint& e = endpoints_.at(endpoint);
        e.held_until = std::max(e.held_until, until);
    }
    changed_.notify_all();
}

std::optional<size_t> EndpointPool::least_outstanding(std::optional<size_t> avoid) const {
    std::optional<size_t> best;
    bool best_avoided = true;
    for (size_t k = 0; k < endpoints_.size(); ++k) {
        const size_t i = (next_ + k) % endpoints_.size();
        if (!has_room(i)) continue;
        const bool avoided = avoid && *avoid == i;
        if (!best || (best_avoided && !avoided) ||
            (best_avoided == avoided &&
             endpoints_[i].state.outstanding < endpoints_[*best].state.outstanding)) {
            best = i;
            best_avoided = avoided;
        }
    }
    return best;
}

std::optional<size_t> EndpointPool::by_affinity(uint64_t key, std::optional<size_t> avoid) const {
    // Demand counts the requests waiting for a server too: under load every server is full, and
    // the bound must keep the queues, not only the requests in flight, near the mean.
    int serving = 0, demand = 0;
    for (size_t i = 0; i < endpoints_.size(); ++i) {
        if (!available(i)) continue;
        ++serving;
        demand += endpoints_[i].state.outstanding + endpoints_[i].waiting;
    }
    if (serving == 0) return std::nullopt;
    const double bound = std::ceil(kLoadBound * (demand + 1) / serving);
    std::optional<size_t> best;
    uint64_t best_score = 0;
    for (size_t i = 0; i < endpoints_.size(); ++i) {
        const Endpoint& e = endpoints_[i];
        if (!available(i) || (avoid && *avoid == i) || e.state.outstanding + e.waiting >= bound) continue;
        const uint64_t score = mix(key ^ e.name_hash);
        if (!best || score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

EndpointPool::Clock::time_point EndpointPool::next_release() const {
    Clock::time_point next = Clock::time_point::max();
    for (const Endpoint& e : endpoints_) {
        if (e.held_until > Clock::now()) next = std::min(next, e.held_until);
    }
    return next;
}

std::optional<size_t> EndpointPool::target(const Route& route) const {
    if (route.pinned && available(*route.pinned) && route.avoid != route.pinned) return route.pinned;
    if (route.affinity) return by_affinity(*route.affinity, route.avoid);
    return std::nullopt;
}

std::optional<size_t> EndpointPool::acquire(Clock::time_point until, const std::function<bool()>& give_up,
                                            const Route& route) {
    std::unique_lock lock(mutex_);
    // A routed request waits for its own server (where its prefix or its job's prompt is
    // cached) rather than take whichever frees first; it chooses again when that server leaves
    // rotation or is held.
    std::optional<size_t> mine;
    const auto stop_waiting = [&] {
        if (mine) endpoints_[*mine].waiting--;
        mine.reset();
    };
    for (;;) {
        if (give_up && give_up()) break;
        if (!mine || !available(*mine)) {
            stop_waiting();
            mine = target(route);
            if (mine) endpoints_[*mine].waiting++;
        }
        std::optional<size_t> chosen =
            mine ? (has_room(*mine) ? mine : std::nullopt) : least_outstanding(route.avoid);
        if (chosen) {
            stop_waiting();
            endpoints_[*chosen].state.outstanding++;
            next_ = (*chosen + 1) % endpoints_.size();
            return chosen;
        }
        if (Clock::now() >= until) break;
        changed_.wait_until(lock, std::min(until, next_release()));
    }
    stop_waiting();
    return std::nullopt;
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
