#include "service/metrics.h"

#include <cstdio>

namespace arbiter::service {

namespace {

std::string number(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.15g", value);
    return buffer;
}

}  // namespace

std::string_view verdict_outcome(const Verdict& verdict) {
    if (verdict.violation) return *verdict.violation ? "violation" : "no_violation";
    return to_string(verdict.status);
}

void Metrics::request(std::string_view endpoint, int status, double seconds) {
    std::lock_guard lock(mutex_);
    requests_[{std::string(endpoint), status}]++;
    Histogram& h = latency_[std::string(endpoint)];
    for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
        if (seconds <= kLatencyBuckets[i]) {
            h.buckets[i]++;
            break;
        }
    }
    h.count++;
    h.sum += seconds;
}

void Metrics::verdict(const Verdict& verdict, std::string_view policy) {
    std::lock_guard lock(mutex_);
    verdicts_[{std::string(policy), std::string(verdict_outcome(verdict))}]++;
    prompt_tokens_ += static_cast<uint64_t>(verdict.usage.prompt_tokens);
    cached_tokens_ += static_cast<uint64_t>(verdict.usage.cached_tokens);
    completion_tokens_ += static_cast<uint64_t>(verdict.usage.completion_tokens);
    if (verdict.usage.cached_tokens > 0) prefix_hits_++;
}

std::string Metrics::render(size_t queue_depth, size_t queue_capacity) const {
    std::lock_guard lock(mutex_);
    std::string out;
    const auto line = [&out](const std::string& text) { out += text + "\n"; };

    line("# HELP arbiter_http_requests_total HTTP requests by endpoint and status code.");
    line("# TYPE arbiter_http_requests_total counter");
    for (const auto& [key, count] : requests_)
        line("arbiter_http_requests_total{endpoint=\"" + key.first + "\",status=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(count));

    line("# HELP arbiter_http_request_duration_seconds Time from request to response, by endpoint.");
    line("# TYPE arbiter_http_request_duration_seconds histogram");
    for (const auto& [endpoint, h] : latency_) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            cumulative += h.buckets[i];
            line("arbiter_http_request_duration_seconds_bucket{endpoint=\"" + endpoint + "\",le=\"" +
                 number(kLatencyBuckets[i]) + "\"} " + std::to_string(cumulative));
        }
        line("arbiter_http_request_duration_seconds_bucket{endpoint=\"" + endpoint + "\",le=\"+Inf\"} " +
             std::to_string(h.count));
        line("arbiter_http_request_duration_seconds_sum{endpoint=\"" + endpoint + "\"} " + number(h.sum));
        line("arbiter_http_request_duration_seconds_count{endpoint=\"" + endpoint + "\"} " +
             std::to_string(h.count));
    }

    line("# HELP arbiter_queue_depth Classification jobs admitted and not yet answered.");
    line("# TYPE arbiter_queue_depth gauge");
    line("arbiter_queue_depth " + std::to_string(queue_depth));
    line("# HELP arbiter_queue_capacity Jobs admitted at most; beyond it requests get 429.");
    line("# TYPE arbiter_queue_capacity gauge");
    line("arbiter_queue_capacity " + std::to_string(queue_capacity));

    line(
        "# HELP arbiter_tokens_total Tokens by kind: prompt (all), cached (from a policy prefix), "
        "evaluated (prompt minus cached), completion.");
    line("# TYPE arbiter_tokens_total counter");
    line("arbiter_tokens_total{kind=\"prompt\"} " + std::to_string(prompt_tokens_));
    line("arbiter_tokens_total{kind=\"cached\"} " + std::to_string(cached_tokens_));
    line("arbiter_tokens_total{kind=\"evaluated\"} " + std::to_string(prompt_tokens_ - cached_tokens_));
    line("arbiter_tokens_total{kind=\"completion\"} " + std::to_string(completion_tokens_));
    line("# HELP arbiter_prefix_cache_hits_total Verdicts whose policy prefix came from the cache.");
    line("# TYPE arbiter_prefix_cache_hits_total counter");
    line("arbiter_prefix_cache_hits_total " + std::to_string(prefix_hits_));

    line("# HELP arbiter_verdicts_total Verdicts by policy and outcome.");
    line("# TYPE arbiter_verdicts_total counter");
    for (const auto& [key, count] : verdicts_)
        line("arbiter_verdicts_total{policy=\"" + key.first + "\",outcome=\"" + key.second + "\"} " +
             std::to_string(count));
    return out;
}

}  // namespace arbiter::service
