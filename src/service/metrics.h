#pragma once
// The service's metrics in Prometheus' text exposition format. Label values are bounded sets
// (endpoints are the routes' patterns, http/router.h, or "other"; policies are the server's own
// ids), so no client can grow them.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/backend.h"
#include "core/verdict.h"

namespace arbiter::service {

class Metrics {
public:
    void request(std::string_view endpoint, int status, double seconds);
    // `policy` labels the count: the policy's id, or one fixed name for every inline policy (whose
    // ids clients choose).
    void verdict(const Verdict& verdict, std::string_view policy);

    // The whole exposition, every sample labelled with `instance` (ServiceConfig::instance); the
    // queue figures are read by the caller at scrape time.
    std::string render(size_t queue_depth, size_t queue_capacity, const std::string& instance,
                       const std::vector<ServerLoad>& servers = {}) const;

    static constexpr std::array<double, 13> kLatencyBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                               1,     2.5,  5,     10,   30,  60};

private:
    struct Histogram {
        std::array<uint64_t, kLatencyBuckets.size()> buckets{};  // cumulative counts are made at render
        uint64_t count = 0;
        double sum = 0;
    };

    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, uint64_t> requests_;
    std::map<std::string, Histogram> latency_;
    std::map<std::pair<std::string, std::string>, uint64_t> verdicts_;  // (policy, outcome)
    uint64_t prompt_tokens_ = 0;
    uint64_t cached_tokens_ = 0;
    uint64_t completion_tokens_ = 0;
    uint64_t prefix_hits_ = 0;
};

// The outcome a verdict is counted under: violation, no_violation, unparseable, error or timeout.
std::string_view verdict_outcome(const Verdict& verdict);

}  // namespace arbiter::service
