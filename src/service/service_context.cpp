#include "service/service_context.h"

#include "core/service_error.h"

namespace arbiter::service {

namespace {

// Moves into `next` the settings that only a restart changes (what the listener, the transport,
// the job queue, the decision log and the gateway were built with), as `running` has them; returns
// the names of those `next` wanted changed.
std::vector<std::string> keep_fixed_settings(const ServiceConfig& running, ServiceConfig& next) {
    std::vector<std::string> differing;
    const auto keep = [&](auto ServiceConfig::*field, const char* name) {
        if (!(next.*field == running.*field)) differing.emplace_back(name);
        next.*field = running.*field;
    };
    keep(&ServiceConfig::instance, "--instance");
    keep(&ServiceConfig::host, "server.host");
    keep(&ServiceConfig::port, "server.port");
    keep(&ServiceConfig::max_body_bytes, "server.max_body_bytes");
    keep(&ServiceConfig::queue_depth, "server.queue_depth");
    keep(&ServiceConfig::http_threads, "server.http_threads");
    keep(&ServiceConfig::max_connections, "server.max_connections");
    keep(&ServiceConfig::max_header_bytes, "server.max_header_bytes");
    keep(&ServiceConfig::header_timeout, "server.header_timeout_ms");
    keep(&ServiceConfig::body_timeout, "server.body_timeout_ms");
    keep(&ServiceConfig::idle_timeout, "server.idle_timeout_ms");
    keep(&ServiceConfig::store_content, "server.store_content");
    keep(&ServiceConfig::gateway, "gateway");
    keep(&ServiceConfig::mcp, "mcp");
    keep(&ServiceConfig::tracing, "tracing");
    keep(&ServiceConfig::retention, "retention");
    keep(&ServiceConfig::rate_limit, "server.rate_limit");
    return differing;
}

}  // namespace

std::shared_ptr<const ServiceConfig> ServiceContext::settings() const {
    const std::lock_guard lock(settings_mutex_);
    return settings_;
}

std::vector<std::string> ServiceContext::replace_settings(ServiceConfig next) {
    std::vector<std::string> differing = keep_fixed_settings(config, next);
    const std::lock_guard lock(settings_mutex_);
    settings_ = std::make_shared<const ServiceConfig>(std::move(next));
    return differing;
}

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

std::vector<ServerLoad> ServiceContext::server_loads() {
    std::lock_guard lock(backend_mutex_);
    return backend_ == nullptr ? std::vector<ServerLoad>{} : backend_->server_loads();
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
