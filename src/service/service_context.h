#pragma once
// What every route family of the service shares: its configuration, the stores, the metrics, and
// the backend once it is loaded. Transport-free: it refuses with a ServiceError, never a status.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/rate_limit.h"
#include "service/job_runner.h"
#include "service/metrics.h"
#include "service/service_config.h"
#include "storage/audit_log.h"
#include "storage/decision_log.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"

namespace arbiter::service {

// What the service is built on, each given once when it is built: nothing is set later, and
// nothing is missing (every store is there, so no route checks for one).
struct ServiceParts {
    ServiceConfig config;
    storage::PolicyStore& policies;
    storage::DecisionLog& log;
    storage::ReviewLog& reviews;
    storage::ReviewQueue& queue;
    storage::RunStore& runs;
    storage::ShadowVersions& shadows;
    storage::AuditLog& audit;
    // Checks a policy sent with PUT /v1/policies/{id} (or a run's draft) before it is stored,
    // beyond what parsing checks; a PolicyError it throws refuses the request as invalid. Serve compiles the
    // policy's rules here. Empty: parsing's checks only.
    std::function<void(const Policy&)> policy_check;
};

class ServiceContext {
public:
    explicit ServiceContext(ServiceParts parts)
        : config(std::move(parts.config)),
          policies(parts.policies),
          log(parts.log),
          reviews(parts.reviews),
          queue(parts.queue),
          runs(parts.runs),
          shadows(parts.shadows),
          audit(parts.audit),
          policy_check(std::move(parts.policy_check)),
          settings_(std::make_shared<const ServiceConfig>(config)) {}

    // The settings the server started with. Those a reload may change (ServiceConfig's "live" ones:
    // limits per request, timeouts, policy sets, Perspective's attributes) are read from settings().
    const ServiceConfig config;
    storage::PolicyStore& policies;
    storage::DecisionLog& log;
    storage::ReviewLog& reviews;
    storage::ReviewQueue& queue;
    storage::RunStore& runs;
    storage::ShadowVersions& shadows;
    storage::AuditLog& audit;
    const std::function<void(const Policy&)> policy_check;
    Metrics metrics;
    std::atomic<bool> draining = false;
    RateBuckets job_buckets;                   // each API key's jobs per second (verdict_fanout.h)
    std::atomic<uint64_t> shadow_skipped = 0;  // shadow jobs dropped for a busy queue (service/shadow.h)

    // `streams`: the backend's stream sessions, where it keeps them (null: stream sessions and the
    // gateway's streamed answers are refused as unavailable).
    void set_backend(Backend& backend, StreamBackend* streams = nullptr);
    // The backend and its job runner; ServiceError unavailable while the model loads or the server drains.
    Backend& backend();
    // The stream sessions' backend; ServiceError unavailable while the model loads, or when the backend
    // keeps none.
    StreamBackend& streams();
    JobRunner& runner();
    // The backend's model servers for /metrics (none while the model loads, or when it runs here).
    std::vector<ServerLoad> server_loads();
    // What /readyz reports: "ready", "loading", "draining" or "decision_log_unavailable".
    std::string_view readiness();
    size_t queue_depth();

    // The settings in force now: a request reads them once and keeps them to its end.
    std::shared_ptr<const ServiceConfig> settings() const;
    // Puts `next`'s live settings in force for the requests that follow; the others stay as the
    // server started. Returns the names of those that differ in `next` (they need a restart).
    std::vector<std::string> replace_settings(ServiceConfig next);

    // The stored policy `id`; ServiceError not_found when there is none.
    std::shared_ptr<const Policy> known_policy(const std::string& id) const;
    // Stored version `version` of `id`; ServiceError not_found when there is none.
    std::shared_ptr<const Policy> known_version(const std::string& id, int version) const;

private:
    mutable std::mutex settings_mutex_;
    std::shared_ptr<const ServiceConfig> settings_;
    std::mutex backend_mutex_;
    Backend* backend_ = nullptr;
    StreamBackend* streams_ = nullptr;
    std::unique_ptr<JobRunner> runner_;
};

}  // namespace arbiter::service
