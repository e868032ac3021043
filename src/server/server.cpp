#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "compat/routes.h"
#include "http/http_server.h"
#include "http/router.h"
#include "mcp/mcp_guard.h"
#include "review/routes.h"
#include "server/routes.h"
#include "service/retention.h"
#include "streams/routes.h"

namespace arbiter::service {

bool is_loopback_host(const std::string& host) {
    // Addresses as the resolver reads them: a name that merely starts with "127." is none.
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6) != 0;
    return host == "localhost";
}

namespace {

// Playground requests waiting for their verdicts at once (more are a 429): a person's tool.
constexpr size_t kPlaygroundRuns = 8;

HttpLimits limits_of(const ServiceConfig& c) {
    HttpLimits limits;
    limits.max_body_bytes = c.max_body_bytes;
    limits.max_header_bytes = c.max_header_bytes;
    limits.max_connections = c.max_connections;
    limits.header_timeout = c.header_timeout;
    limits.body_timeout = c.body_timeout;
    limits.idle_timeout = c.idle_timeout;
    limits.workers = static_cast<size_t>(c.http_threads);
    limits.max_pending = static_cast<size_t>(c.http_threads) * 4;
    return limits;
}

}  // namespace

class Server::Impl {
public:
    Impl(ServiceParts parts, std::optional<ApiKeys> keys)
        : context_(std::move(parts)),
          router_(
              std::move(keys),
              [this](std::string_view endpoint, int status, double seconds) {
                  context_.metrics.request(endpoint, status, seconds);
              },
              context_.config.rate_limit),
          sessions_(context_),
          runs_(context_),
          playground_runs_(kPlaygroundRuns, kPlaygroundRuns),
          http_(router_, limits_of(context_.config)) {
        add_health_routes(router_, context_);
        add_account_routes(router_);
        add_console_routes(router_);
        add_classify_routes(router_, context_);
        add_moderation_routes(router_, context_);
        add_policy_routes(router_, context_);
        add_decision_routes(router_, context_);
        add_erasure_routes(router_, context_);
        add_audit_routes(router_, context_);
        add_perspective_routes(router_, context_);
        add_review_routes(router_, context_);
        add_queue_routes(router_, context_);
        add_shadow_routes(router_, context_);
        add_run_routes(router_, context_, runs_);
        add_stream_routes(router_, context_, sessions_);
        add_playground_routes(router_, context_, playground_runs_);
        if (!context_.config.gateway.upstream.empty()) {
            gateway_ = std::make_unique<Gateway>(context_.config.gateway);
            add_gateway_routes(router_, context_, sessions_, *gateway_);
        }
        if (!context_.config.mcp.upstream.empty()) {
            mcp_ = std::make_unique<McpGuard>(context_.config.mcp);
            add_mcp_routes(router_, context_, *mcp_);
        }
        if (context_.config.retention.enabled())
            retention_ = std::make_unique<Retention>(context_.config.retention, context_.log, context_.audit);
    }

    void set_backend(Backend& backend, StreamBackend* streams) { context_.set_backend(backend, streams); }
    void set_span_sink(std::shared_ptr<SpanSink> sink) {
        router_.set_tracing(std::move(sink), context_.config.tracing.include_content);
    }
    int bind() { return http_.bind(context_.config.host, context_.config.port); }
    const Router& router() const { return router_; }
    ServiceContext& context() { return context_; }
    Router& router() { return router_; }
    void run() { http_.run(); }
    void stop() {
        retention_.reset();
        context_.draining = true;
        if (gateway_) gateway_->stopping = true;
        if (mcp_) mcp_->stopping = true;
        http_.stop();
        runs_.stop();
    }

private:
    ServiceContext context_;
    Router router_;
    StreamSessions sessions_;
    EvalRuns runs_;
    WorkerPool playground_runs_;        // joined before the context they log to goes
    std::unique_ptr<Gateway> gateway_;  // after sessions_: its relays close their streams
    std::unique_ptr<McpGuard> mcp_;     // its relays log to the context
    HttpServer http_;
    std::unique_ptr<Retention> retention_;  // where the configuration keeps the log for a while only
};

Server::Server(ServiceParts parts, std::optional<ApiKeys> keys)
    : impl_(std::make_unique<Impl>(std::move(parts), std::move(keys))) {}
Server::~Server() = default;
void Server::set_backend(Backend& backend, StreamBackend* streams) {
    impl_->set_backend(backend, streams);
}
void Server::set_span_sink(std::shared_ptr<SpanSink> sink) {
    impl_->set_span_sink(std::move(sink));
}
int Server::bind() {
    return impl_->bind();
}
void Server::run() {
    impl_->run();
}
void Server::stop() {
    impl_->stop();
}
bool Server::replace_keys(ApiKeys keys) {
    return impl_->router().replace_keys(std::move(keys));
}
std::vector<std::string> Server::replace_settings(ServiceConfig config) {
    return impl_->context().replace_settings(std::move(config));
}

std::vector<RouteInfo> Server::routes() const {
    return impl_->router().routes();
}
HttpResponse Server::handle(HttpRequest request) const {
    return impl_->router().handle(std::move(request));
}

}  // namespace arbiter::service
