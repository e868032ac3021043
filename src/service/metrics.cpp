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

namespace {

// A label value as the exposition format writes it: backslash, quote and newline escaped.
std::string label_value(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\' || c == '"') out += '\\';
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out;
}

// The remote backend's servers (their URLs come from the configuration: a bounded set).
template <typename Help, typename Sample>
void render_servers(const std::vector<ServerLoad>& servers, const Help& help, const Sample& sample) {
    help("arbiter_remote_server_up", "gauge", "Whether a model server is in rotation.");
    for (const ServerLoad& s : servers)
        sample("arbiter_remote_server_up", "server=\"" + label_value(s.server) + "\"",
               s.in_rotation ? "1" : "0");
    help("arbiter_remote_server_outstanding", "gauge", "Requests in flight on a model server.");
    for (const ServerLoad& s : servers)
        sample("arbiter_remote_server_outstanding", "server=\"" + label_value(s.server) + "\"",
               std::to_string(s.outstanding));
    help("arbiter_remote_server_jobs_total", "counter", "Jobs a model server answered.");
    for (const ServerLoad& s : servers)
        sample("arbiter_remote_server_jobs_total", "server=\"" + label_value(s.server) + "\"",
               std::to_string(s.jobs));
    help("arbiter_remote_server_tokens_total", "counter",
         "Prompt tokens sent to a model server by kind: prompt (all), cached (held by its prompt cache).");
    for (const ServerLoad& s : servers) {
        const std::string at = "server=\"" + label_value(s.server) + "\",kind=";
        sample("arbiter_remote_server_tokens_total", at + "\"prompt\"", std::to_string(s.prompt_tokens));
        sample("arbiter_remote_server_tokens_total", at + "\"cached\"", std::to_string(s.cached_tokens));
    }
}

}  // namespace

std::string Metrics::render(size_t queue_depth, size_t queue_capacity, const std::string& instance,
                            const std::vector<ServerLoad>& servers) const {
    std::lock_guard lock(mutex_);
    std::string out;
    // Every sample names the instance (in a label of arbiter's own: Prometheus sets `instance` to
    // the scrape target and would rename ours), so that a fleet's series add up per instance.
    const std::string mine = "arbiter_instance=\"" + instance + "\"";
    const auto help = [&out](std::string_view name, std::string_view type, std::string_view text) {
        out += "# HELP " + std::string(name) + " " + std::string(text) + "\n# TYPE " + std::string(name) +
               " " + std::string(type) + "\n";
    };
    const auto sample = [&out, &mine](std::string_view name, const std::string& labels,
                                      const std::string& value) {
        out += std::string(name) + "{" + mine + (labels.empty() ? "" : "," + labels) + "} " + value + "\n";
    };

    help("arbiter_http_requests_total", "counter", "HTTP requests by endpoint and status code.");
    for (const auto& [key, count] : requests_)
        sample("arbiter_http_requests_total",
               "endpoint=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"",
               std::to_string(count));

    help("arbiter_http_request_duration_seconds", "histogram", "Time from request to response, by endpoint.");
    for (const auto& [endpoint, h] : latency_) {
        const std::string at = "endpoint=\"" + endpoint + "\"";
        uint64_t cumulative = 0;
        for (size_t i = 0; i < kLatencyBuckets.size(); ++i) {
            cumulative += h.buckets[i];
            sample("arbiter_http_request_duration_seconds_bucket",
                   at + ",le=\"" + number(kLatencyBuckets[i]) + "\"", std::to_string(cumulative));
        }
        sample("arbiter_http_request_duration_seconds_bucket", at + ",le=\"+Inf\"", std::to_string(h.count));
        sample("arbiter_http_request_duration_seconds_sum", at, number(h.sum));
        sample("arbiter_http_request_duration_seconds_count", at, std::to_string(h.count));
    }

    help("arbiter_queue_depth", "gauge", "Classification jobs admitted and not yet answered.");
    sample("arbiter_queue_depth", "", std::to_string(queue_depth));
    help("arbiter_queue_capacity", "gauge", "Jobs admitted at most; beyond it requests get 429.");
    sample("arbiter_queue_capacity", "", std::to_string(queue_capacity));

    help("arbiter_tokens_total", "counter",
         "Tokens by kind: prompt (all), cached (from a policy prefix), evaluated (prompt minus cached), "
         "completion.");
    sample("arbiter_tokens_total", "kind=\"prompt\"", std::to_string(prompt_tokens_));
    sample("arbiter_tokens_total", "kind=\"cached\"", std::to_string(cached_tokens_));
    sample("arbiter_tokens_total", "kind=\"evaluated\"", std::to_string(prompt_tokens_ - cached_tokens_));
    sample("arbiter_tokens_total", "kind=\"completion\"", std::to_string(completion_tokens_));
    help("arbiter_prefix_cache_hits_total", "counter", "Verdicts whose policy prefix came from the cache.");
    sample("arbiter_prefix_cache_hits_total", "", std::to_string(prefix_hits_));

    help("arbiter_verdicts_total", "counter", "Verdicts by policy and outcome.");
    for (const auto& [key, count] : verdicts_)
        sample("arbiter_verdicts_total", "policy=\"" + key.first + "\",outcome=\"" + key.second + "\"",
               std::to_string(count));
    if (!servers.empty()) render_servers(servers, help, sample);
    return out;
}

}  // namespace arbiter::service
