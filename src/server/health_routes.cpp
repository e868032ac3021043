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
            // Never a wait on the database here (the transport's loop): the log's last answer.
            const nlohmann::ordered_json database = {
                {"engine", context.log.engine() == storage::Engine::postgres ? "postgresql" : "sqlite"},
                {"writable", context.log.healthy()}};
            if (state != "ready") {
                res.set_header("Retry-After", "5");
                return send_json(res, 503, {{"status", state}, {"database", database}});
            }
            send_json(res, 200,
                      {{"status", "ready"},
                       {"policies", context.policies.current_all().size()},
                       {"database", database}});
        });
    router.add("GET", "/metrics", std::nullopt, Cost::quick,
               [&context](const HttpRequest&, HttpResponse& res) {
                   res.content_type = "text/plain; version=0.0.4";
                   res.body = context.metrics.render(context.queue_depth(), context.config.queue_depth,
                                                     context.config.instance, context.server_loads());
               });
}

}  // namespace arbiter::service
