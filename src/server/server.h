#pragma once
// The HTTP service assembled: the classification service (service/) behind the transport (http/),
// with every family of routes registered: classification, policies and the playground (here),
// review (review/), stream sessions and the chat gateway (streams/), OpenAI's moderation and
// Perspective's API (compat/), in front of any Backend.
//
// The endpoints are the routes each routes.h family registers: routes() lists them (method,
// pattern, role), and it is the single source of the API's endpoint list (the metrics label each
// route's requests, docs/http-api.md documents them and a test checks the two agree). Roles are
// ordered: classify < review < admin, each allowed what the ones before it are.
//
// Every verdict is in the decision log before the response carrying it is sent. stop() drains:
// the listener closes, requests already being handled are answered, then run() returns.

#include <functional>
#include <memory>
#include <optional>

#include "core/backend.h"
#include "http/api_keys.h"
#include "http/http_message.h"
#include "http/router.h"
#include "service/service_config.h"
#include "service/service_context.h"
#include "storage/decision_log.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"

namespace arbiter::service {

class Server {
public:
    // Everything the service is built on, given once (service/service_context.h), and the
    // callers' keys (http/api_keys.h). Without keys every request is allowed, so the caller must
    // bind to loopback only.
    Server(ServiceParts parts, std::optional<ApiKeys> keys);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Until a backend is set, /readyz and classification answer 503 (the model is loading).
    // `streams`: its stream sessions, where the backend keeps them (without, stream sessions and
    // streamed gateway answers are a 503).
    void set_backend(Backend& backend, StreamBackend* streams = nullptr);

    // Where requests' spans go (the OTLP exporter of config.tracing); call before bind(). Without
    // it traces are still followed, propagated and logged, and no span is sent.
    void set_span_sink(std::shared_ptr<SpanSink> sink);

    // Binds config.host:config.port (port 0: any free one); returns the port. Throws
    // std::runtime_error when the address cannot be bound.
    int bind();
    // Serves until stop(); returns once every request being handled has been answered.
    void run();
    // Safe from any thread, and more than once.
    void stop();

    // Puts `keys` in force for the requests that follow (a reloaded file, the database's table
    // changed); false, changing nothing, for a server started without keys.
    bool replace_keys(ApiKeys keys);

    // Puts `config`'s limits per request, timeouts, policy sets and Perspective attributes in force
    // for the requests that follow (those in flight finish under the settings they started with);
    // returns the names of the settings it differs in that take a restart (the listener's, the
    // transport's limits, the queue's depth, the gateway), which stay as they were.
    std::vector<std::string> replace_settings(ServiceConfig config);

    // Every route, in the order registered.
    std::vector<RouteInfo> routes() const;
    // Answers one whole request in-process, as the transport hands it over (tests, fuzzers): on
    // this thread, blocking handlers included. A streamed or late answer arrives as its
    // HttpResponse says (http/http_message.h).
    HttpResponse handle(HttpRequest request) const;

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1 or localhost).
bool is_loopback_host(const std::string& host);

}  // namespace arbiter::service
