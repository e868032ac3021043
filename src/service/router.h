#pragma once
// Which handler answers a request: routes by method and path pattern ("/v1/policies/{id}"), each
// behind the API key check for its role, with every refusal answered in OpenAI's error shape and
// every request counted in the metrics. Transport-free: the HTTP server hands it whole requests.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "service/api_keys.h"
#include "service/http_message.h"
#include "service/service_context.h"
#include "service/service_error.h"

namespace arbiter::service {

using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

// The HTTP status that answers `refusal`: the one place a refusal becomes a status.
int http_status(Refusal refusal);

// The answer to the exception being handled (call inside a catch block): a ServiceError's status
// and message, 503 with Retry-After for an unavailable decision log, 500 for anything else. For
// answers given outside a handler (service/late_response.h).
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
    explicit Router(ServiceContext& context) : context_(context) {}

    // `pattern` is a path whose "{name}" segments match any one non-empty segment; they reach the
    // handler as request.path_params. `role`: the key it needs (none: open).
    void add(std::string method, const std::string& pattern, std::optional<Role> role, Cost cost,
             Handler handler);

    // The cost of the route `request` would take (quick when none matches: the answer is a 404).
    Cost cost(const HttpRequest& request) const;

    // The answer, never an exception: 404/405 when no route matches, the route's errors as
    // their statuses, anything unexpected as a 500.
    HttpResponse handle(HttpRequest request) const;

    // Counts an answer the transport gave itself (a body too large, a server too busy).
    void count(const std::string& path, int status) const;

    // Every route, in the order added.
    std::vector<RouteInfo> routes() const;

private:
    struct Route {
        std::string method;
        std::string pattern;                // as registered: the metrics label
        std::vector<std::string> segments;  // "{}" for a parameter
        std::optional<Role> role;
        Cost cost;
        Handler handler;
    };

    // The route for `request`, its parameters filled in; nullptr when none.
    const Route* find(const HttpRequest& request, std::vector<std::string>* params, bool* path_known) const;
    void run(const Route& route, HttpRequest& request, HttpResponse& response) const;
    // The metrics label of a request to `path`: its route's pattern, whatever the method (a 405
    // counts under the path it was sent to), or "other" for a path no route has (a bounded set).
    std::string_view label_of(const std::string& path) const;
    // Whether `segments` (a path split at '/') fit `route`'s pattern; its parameters into `params`.
    static bool matches(const Route& route, const std::vector<std::string>& segments,
                        std::vector<std::string>* params);

    ServiceContext& context_;
    std::vector<Route> routes_;
};

}  // namespace arbiter::service
