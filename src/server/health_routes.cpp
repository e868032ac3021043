#include "http/http_reply.h"
#include "server/routes.h"

namespace arbiter::service {

void add_health_routes(Router& router, ServiceContext& context) {
    router.add("GET", "/healthz", std::nullopt, Cost::quick, [](const HttpRequest&, HttpResponse& res) {
        send_json(res, 200, {{"status", "alive"}});
    });
    router.add(
        "GET", "/readyz", std::nullopt, Cost::quick, [&context](const HttpRequest&, HttpResponse& res) {
            const std::string_view state = context.readiness();
            if (state != "ready") {
                res.set_header("Retry-After", "5");
                return send_json(res, 503, {{"status", state}});
            }
            send_json(res, 200, {{"status", "ready"}, {"policies", context.policies.current_all().size()}});
        });
    router.add("GET", "/metrics", std::nullopt, Cost::quick,
               [&context](const HttpRequest&, HttpResponse& res) {
                   res.content_type = "text/plain; version=0.0.4";
                   res.body = context.metrics.render(context.queue_depth(), context.config.queue_depth);
               });
}

}  // namespace arbiter::service
