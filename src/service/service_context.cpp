#include "service/service_context.h"

#include "core/service_error.h"

namespace arbiter::service {

void ServiceContext::set_backend(Backend& backend, StreamBackend* streams) {
    std::lock_guard lock(backend_mutex_);
    runner_ = std::make_unique<JobRunner>(backend, config.queue_depth);
    backend_ = &backend;
    streams_ = streams;
}

Backend& ServiceContext::backend() {
    runner();
    return *backend_;
}

StreamBackend& ServiceContext::streams() {
    runner();
    if (streams_ == nullptr)
        throw ServiceError(Refusal::unavailable,
                           "this backend keeps no stream sessions: they need the embedded engine "
                           "(--model) started with --streams N");
    return *streams_;
}

JobRunner& ServiceContext::runner() {
    std::lock_guard lock(backend_mutex_);
    if (runner_ == nullptr) throw ServiceError(Refusal::unavailable, "the model is still loading");
    if (draining) throw ServiceError(Refusal::unavailable, "the server is shutting down");
    return *runner_;
}

std::string_view ServiceContext::readiness() {
    {
        std::lock_guard lock(backend_mutex_);
        if (draining) return "draining";
        if (backend_ == nullptr) return "loading";
    }
    // Every verdict is logged before it is answered: without a log, nothing can be answered.
    return log.healthy() ? "ready" : "decision_log_unavailable";
}

size_t ServiceContext::queue_depth() {
    std::lock_guard lock(backend_mutex_);
    return runner_ ? runner_->depth() : 0;
}

std::shared_ptr<const Policy> ServiceContext::known_policy(const std::string& id) const {
    std::shared_ptr<const Policy> policy = policies.current(id);
    if (!policy) throw ServiceError(Refusal::not_found, "no policy '" + id + "'");
    return policy;
}

std::shared_ptr<const Policy> ServiceContext::known_version(const std::string& id, int version) const {
    const std::optional<storage::PolicyVersion> stored = policies.version(id, version);
    if (!stored || stored->deleted)
        throw ServiceError(Refusal::not_found,
                           "policy '" + id + "' has no version " + std::to_string(version));
    return stored->policy;
}

}  // namespace arbiter::service
