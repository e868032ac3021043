#pragma once
// How much one API key may ask of the service (server.rate_limit in the configuration, or per key
// in the keys file), and the buckets that hold each key to it. A key over its limit is refused
// with 429 before its request is queued, so one client that ignores Retry-After cannot take the
// service from the others.
//
// Requests and jobs (items times policies) per second are token buckets: `burst` at once, then
// the rate; requests per day count from midnight UTC. A limit of 0 is no limit.

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace arbiter {

struct RateLimit {
    double requests_per_second = 0;
    double burst = 0;  // requests at once (default: one second's worth; at least 1)
    double jobs_per_second = 0;
    int64_t per_day = 0;  // requests

    bool limits_anything() const { return requests_per_second > 0 || jobs_per_second > 0 || per_day > 0; }
    bool operator==(const RateLimit&) const = default;
};

// A key's own limits over `fallback`: each field the key does not set (negative) is the fallback's.
RateLimit over(const RateLimit& own, const RateLimit& fallback);
// A key's limits with nothing set: every field taken from the default until the key sets it.
inline constexpr RateLimit kUnsetLimit{-1, -1, -1, -1};

// A key's standing after one request was counted (or refused), as OpenAI's x-ratelimit-* headers
// report it.
struct RateDecision {
    bool admitted = true;
    double retry_after_seconds = 0;  // when refused: until the next request would be admitted
    int64_t limit = 0;               // the request limit these figures are of (0: none)
    int64_t remaining = 0;
    double reset_seconds = 0;  // until that limit is whole again
};

class RateBuckets {
public:
    using Clock = std::chrono::steady_clock;

    // Counts one request of `key` at `now` (and `wall_day`, days since the epoch in UTC, for the
    // daily count) against `limit`, unless it is over.
    RateDecision request(const std::string& key, const RateLimit& limit, Clock::time_point now,
                         int64_t wall_day);
    // Counts `jobs` of `key` against limit.jobs_per_second; the wait when there is no room now
    // (0: admitted). A request of more jobs than a second's worth goes in when the bucket is full.
    double jobs(const std::string& key, const RateLimit& limit, int64_t jobs, Clock::time_point now);
    // Gives back `jobs` that jobs() took but that never ran (the request was refused after).
    void give_back_jobs(const std::string& key, int64_t jobs);

private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point at{};
        bool started = false;
    };
    struct Standing {
        Bucket requests;
        Bucket jobs;
        int64_t day = -1;
        int64_t today = 0;
    };
    static constexpr size_t kMaxKeys = 100000;  // keys seen since start (callers are keys, a bounded set)

    std::mutex mutex_;
    std::map<std::string, Standing> keys_;
};

// Days since the epoch, in UTC, now.
int64_t utc_day_now();
// Seconds from now until midnight UTC.
double seconds_to_utc_midnight();

}  // namespace arbiter
