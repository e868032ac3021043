#include "service/http_reply.h"
#include "service/routes.h"

namespace arbiter::service {

void add_account_routes(Router& router, ServiceContext& context) {
    // The lowest role: any valid key may ask who it is. A console signs in with this, so a wrong
    // key is a 401 here rather than on the first screen that needs it.
    router.add(
        "GET", "/v1/me", Role::classify, Cost::quick, [&context](const HttpRequest& req, HttpResponse& res) {
            if (!context.keys) {
                // Without keys the server listens on loopback only and allows everything.
                return send_json(res, 200, {{"name", "anonymous"}, {"role", "admin"}, {"keys", false}});
            }
            send_json(res, 200, {{"name", req.caller}, {"role", req.caller_role}, {"keys", true}});
        });
}

}  // namespace arbiter::service
