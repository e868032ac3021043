#include "service/http_reply.h"
#include "service/routes.h"

namespace arbiter::service {

void add_health_routes(httplib::Server& http, ServiceContext& context) {
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200, {{"status", "alive"}});
    });
    http.Get("/readyz", [&context](const httplib::Request&, httplib::Response& res) {
        const std::string_view state = context.readiness();
        if (state != "ready") {
            res.set_header("Retry-After", "5");
            return send_json(res, 503, {{"status", state}});
        }
        send_json(res, 200, {{"status", "ready"}, {"policies", context.policies.current_all().size()}});
    });
    http.Get("/metrics", [&context](const httplib::Request&, httplib::Response& res) {
        res.set_content(context.metrics.render(context.queue_depth(), context.config.queue_depth),
                        "text/plain; version=0.0.4");
    });
}

}  // namespace arbiter::service
