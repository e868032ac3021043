#pragma once
// Which handler answers a request: routes by method and path pattern ("/v1/policies/{id}"), each
// behind the API key check for its role, with every refusal answered in OpenAI's error shape and
// every request counted. It knows no route's meaning: the server registers them (server/), and
// the HTTP server (http_server.h) hands it whole requests.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rate_limit.h"
#include "core/service_error.h"
#include "core/span.h"
#include "http/admission.h"
#include "http/api_keys.h"
#include "http/http_message.h"

namespace arbiter::service {

using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

// Told of every answer: its route's pattern (or "other"), its status and how long it took.
using RequestCounter = std::function<void(std::string_view endpoint, int status, double seconds)>;

// The HTTP status that answers `refusal`: the one place a refusal becomes a status.
int http_status(Refusal refusal);

// The answer to the exception being handled (call inside a catch block): a ServiceError's status
// and message, 503 with Retry-After for a store that cannot answer (core/store_error.h), 500 for
// anything else. For answers given outside a handler (http/late_response.h).
HttpResponse refusal_of_current_exception();

// Whether a handler may run on the thread that reads sockets: quick ones answer from memory;
// blocking ones wait for the engine or the disk and run on the worker pool.
enum class Cost { quick, blocking };

// One registered route, as the router lists it: the single source of the service's endpoints
// (metrics labels, the API docs' table, which a test checks against this list).
struct RouteInfo {
    std::string method;
    std::string pattern;  // as registered, e.g. "/v1/policies/{id}": also its metrics label
    std::optional<Role> role;
};

class Router {
public:
    // `keys`: the callers and their roles (none: every caller is the anonymous admin). `counter`
    // hears of every answer, late ones when they are given. `rate_limit`: each key's unless the
    // keys file gives it its own (http/admission.h).
    Router(std::optional<ApiKeys> keys, RequestCounter counter, RateLimit rate_limit = {})
        : admission_(std::make_unique<Admission>(keys ? std::make_unique<KeyRing>(std::move(*keys)) : nullptr,
                                                 rate_limit)),
          counter_(std::move(counter)) {}

    // `pattern` is a path whose "{name}" segments match any one non-empty segment; they reach the
    // handler as request.path_params. `role`: the key it needs (none: open).
    void add(std::string method, const std::string& pattern, std::optional<Role> role, Cost cost,
             Handler handler);

    // Where every request's spans go (http/request_trace.h); call before serving. Without it the
    // requests' traces are still followed and logged, and no span is sent anywhere.
    void set_tracing(std::shared_ptr<SpanSink> sink, bool include_content) {
        span_sink_ = std::move(sink);
        include_content_ = include_content;
    }

private:
    struct Route;

public:
    // Where a request goes, found once: the transport asks its cost on the thread that read it,
    // then has it handled there or on a worker.
    class Match {
    public:
        // quick when no route matches: the answer is a 404 or a 405.
        Cost cost() const;

    private:
        friend class Router;
        const Route* route_ = nullptr;
        bool path_known_ = false;  // some route has this path, with another method (a 405)
        std::vector<std::string> params_;
        bool admitted_ = false;  // admit() let it in
        RateDecision counted_;   // its key's standing then
        bool traced_ = false;    // its server span has begun
        Span span_;
    };

    Match match(const HttpRequest& request) const;
    // The caller's key and rate limit for the matched route (http/admission.h): the refusal, or
    // nullopt when it may go on, with request.caller set. The transport calls it before queueing
    // a request; handle() admits one that was not.
    std::optional<HttpResponse> admit(HttpRequest& request, Match& match) const;

    // The answer, never an exception: 404/405 when no route matches, the route's errors as
    // their statuses, anything unexpected as a 500. `match` is match(request)'s.
    HttpResponse handle(HttpRequest request, Match match) const;
    HttpResponse handle(HttpRequest request) const;

    // Counts an answer the transport gave itself (a body too large, a server too busy).
    void count(const std::string& path, int status) const;

    // Every route, in the order added.
    std::vector<RouteInfo> routes() const;

    // The callers' keys, for routes that take a key where this router does not look (Perspective's
    // ?key=): they register with no role and check it themselves. Null without keys; lives as long
    // as the router.
    const KeyRing* keys() const { return admission_->keys(); }
    // Counts a request of `key`, which its route authorized itself (Perspective's ?key=), against
    // the key's rate limit: the 429 when it is over (http/admission.h).
    std::optional<HttpResponse> count_request(const ApiKeyEntry& key) const {
        RateDecision counted;
        return admission_->count(key, admission_->limit_of(key), counted);
    }
    // Puts `keys` in force for the requests that follow; false (and nothing changes) on a router
    // started without keys, which stays open to loopback callers only.
    bool replace_keys(ApiKeys keys);

private:
    struct Route {
        std::string method;
        std::string pattern;                // as registered: the metrics label
        std::vector<std::string> segments;  // "{}" for a parameter
        std::optional<Role> role;
        Cost cost;
        Handler handler;
    };

    void run(const Route& route, HttpRequest& request, HttpResponse& response) const;
    // Begins `request`'s server span, once.
    void trace(HttpRequest& request, Match& match) const;
    // The metrics label of a request to `path`: its route's pattern, whatever the method (a 405
    // counts under the path it was sent to), or "other" for a path no route has (a bounded set).
    std::string_view label_of(const std::string& path) const;
    // Whether `segments` (a path split at '/') fit `route`'s pattern; its parameters into `params`.
    static bool matches(const Route& route, const std::vector<std::string>& segments,
                        std::vector<std::string>* params);

    const std::unique_ptr<Admission> admission_;  // its buckets change under const handle()
    const RequestCounter counter_;
    std::vector<Route> routes_;
    std::shared_ptr<SpanSink> span_sink_;
    bool include_content_ = false;
};

}  // namespace arbiter::service
