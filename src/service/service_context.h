#pragma once
// What every route family of the service shares: its configuration, the policy store and the
// decision log, the API keys, the metrics, and the backend once it is loaded.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "core/backend.h"
#include "service/api_keys.h"
#include "service/job_runner.h"
#include "service/metrics.h"
#include "service/service_config.h"
#include "storage/decision_log.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"

namespace arbiter::service {

class ServiceContext {
public:
    ServiceContext(ServiceConfig service_config, storage::PolicyStore& policy_store,
                   storage::DecisionLog& decision_log, std::optional<ApiKeys> api_keys)
        : config(std::move(service_config)),
          policies(policy_store),
          log(decision_log),
          keys(std::move(api_keys)) {}

    const ServiceConfig config;
    storage::PolicyStore& policies;
    storage::DecisionLog& log;
    const std::optional<ApiKeys> keys;
    Metrics metrics;
    std::function<void(const Policy&)> policy_check;  // set before serving: read-only while serving
    // The review console's stores (server.h's set_review_stores); likewise set before serving.
    storage::ReviewLog* reviews = nullptr;
    storage::ReviewQueue* queue = nullptr;
    storage::RunStore* runs = nullptr;
    storage::ShadowVersions* shadows = nullptr;
    std::atomic<bool> draining = false;
    std::atomic<uint64_t> shadow_skipped = 0;  // shadow jobs dropped for a busy queue (service/shadow.h)

    // `streams`: the backend's stream sessions, where it keeps them (null: stream sessions and the
    // gateway's streamed answers are a 503).
    void set_backend(Backend& backend, StreamBackend* streams = nullptr);
    // The backend and its job runner; RequestError 503 while the model loads or the server drains.
    Backend& backend();
    // The stream sessions' backend; RequestError 503 while the model loads, or when the backend
    // keeps none.
    StreamBackend& streams();
    JobRunner& runner();
    // What /readyz reports: "ready", "loading", "draining" or "decision_log_unavailable".
    std::string_view readiness();
    size_t queue_depth();

    // The stored policy `id`; RequestError 404 when there is none.
    std::shared_ptr<const Policy> known_policy(const std::string& id) const;
    // Stored version `version` of `id`; RequestError 404 when there is none.
    std::shared_ptr<const Policy> known_version(const std::string& id, int version) const;
    // The review console's stores; RequestError 503 on a server built without them.
    storage::ReviewLog& review_log() const;
    storage::ReviewQueue& review_queue() const;
    storage::RunStore& run_store() const;
    storage::ShadowVersions& shadow_versions() const;

private:
    std::mutex backend_mutex_;
    Backend* backend_ = nullptr;
    StreamBackend* streams_ = nullptr;
    std::unique_ptr<JobRunner> runner_;
};

}  // namespace arbiter::service
