#include "core/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace arbiter {

namespace {

using Seconds = std::chrono::duration<double>;

// A bucket's size: at least one, or it would never admit anything.
double capacity_of(double rate, double burst) {
    return std::max(1.0, burst > 0 ? burst : rate);
}

// Refills `tokens` from `at` to `now` at `rate`, up to `capacity` (full the first time it is used).
void refill(double& tokens, std::chrono::steady_clock::time_point& at, bool& started, double rate,
            double capacity, std::chrono::steady_clock::time_point now) {
    if (!started) {
        tokens = capacity;
        started = true;
    } else {
        // Callers read the clock before they take the lock: a later caller may come first.
        tokens = std::min(capacity, tokens + std::max(0.0, Seconds(now - at).count()) * rate);
    }
    at = now;
}

}  // namespace

RateDecision RateBuckets::request(const std::string& key, const RateLimit& limit, Clock::time_point now,
                                  int64_t wall_day) {
    RateDecision decision;
    if (!limit.limits_anything()) return decision;
    const std::lock_guard lock(mutex_);
    if (keys_.size() >= kMaxKeys && !keys_.contains(key)) keys_.clear();
    Standing& s = keys_[key];
    if (s.day != wall_day) {
        s.day = wall_day;
        s.today = 0;
    }
    if (limit.per_day > 0 && s.today >= limit.per_day) {
        decision.admitted = false;
        decision.retry_after_seconds = seconds_to_utc_midnight();
        decision.limit = limit.per_day;
        decision.reset_seconds = decision.retry_after_seconds;
        return decision;
    }
    if (limit.requests_per_second > 0) {
        const double capacity = capacity_of(limit.requests_per_second, limit.burst);
        Bucket& b = s.requests;
        refill(b.tokens, b.at, b.started, limit.requests_per_second, capacity, now);
        decision.limit = static_cast<int64_t>(capacity);
        if (b.tokens < 1) {
            decision.admitted = false;
            decision.retry_after_seconds = (1 - b.tokens) / limit.requests_per_second;
            decision.reset_seconds = (capacity - b.tokens) / limit.requests_per_second;
            return decision;
        }
        b.tokens -= 1;
        decision.remaining = static_cast<int64_t>(std::floor(b.tokens));
        decision.reset_seconds = (capacity - b.tokens) / limit.requests_per_second;
    } else if (limit.per_day > 0) {
        decision.limit = limit.per_day;
        decision.remaining = limit.per_day - s.today - 1;
        decision.reset_seconds = seconds_to_utc_midnight();
    }
    ++s.today;
    return decision;
}

double RateBuckets::jobs(const std::string& key, const RateLimit& limit, int64_t jobs,
                         Clock::time_point now) {
    if (limit.jobs_per_second <= 0 || jobs <= 0) return 0;
    const std::lock_guard lock(mutex_);
    if (keys_.size() >= kMaxKeys && !keys_.contains(key)) keys_.clear();
    Bucket& b = keys_[key].jobs;
    const double capacity = capacity_of(limit.jobs_per_second, 0);
    refill(b.tokens, b.at, b.started, limit.jobs_per_second, capacity, now);
    // A request of more jobs than the bucket holds goes in when it is full, and leaves it owing.
    const double needed = std::min(static_cast<double>(jobs), capacity);
    if (b.tokens >= needed) {
        b.tokens -= static_cast<double>(jobs);
        return 0;
    }
    return (needed - b.tokens) / limit.jobs_per_second;
}

void RateBuckets::give_back_jobs(const std::string& key, int64_t jobs) {
    const std::lock_guard lock(mutex_);
    if (const auto it = keys_.find(key); it != keys_.end())
        it->second.jobs.tokens += static_cast<double>(jobs);
}

RateLimit over(const RateLimit& own, const RateLimit& fallback) {
    return {own.requests_per_second >= 0 ? own.requests_per_second : fallback.requests_per_second,
            own.burst >= 0 ? own.burst : fallback.burst,
            own.jobs_per_second >= 0 ? own.jobs_per_second : fallback.jobs_per_second,
            own.per_day >= 0 ? own.per_day : fallback.per_day};
}

int64_t utc_day_now() {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    return std::chrono::duration_cast<std::chrono::hours>(since_epoch).count() / 24;
}

double seconds_to_utc_midnight() {
    const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
    const double seconds = Seconds(since_epoch).count();
    return 86400.0 - std::fmod(seconds, 86400.0);
}

}  // namespace arbiter
