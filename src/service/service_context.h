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
    storage::ReviewLog* reviews = nullptr;            // likewise
    std::atomic<bool> draining = false;

    void set_backend(Backend& backend);
    // The backend and its job runner; RequestError 503 while the model loads or the server drains.
    Backend& backend();
    JobRunner& runner();
    // What /readyz reports: "ready", "loading", "draining" or "decision_log_unavailable".
    std::string_view readiness();
    size_t queue_depth();

    // The stored policy `id`; RequestError 404 when there is none.
    std::shared_ptr<const Policy> known_policy(const std::string& id) const;

private:
    std::mutex backend_mutex_;
    Backend* backend_ = nullptr;
    std::unique_ptr<JobRunner> runner_;
};

}  // namespace arbiter::service
