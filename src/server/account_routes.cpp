#include "http/http_reply.h"
#include "server/routes.h"

namespace arbiter::service {

void add_account_routes(Router& router) {
    // The lowest role: any valid key may ask who it is. A console signs in with this, so a wrong
    // key is a 401 here rather than on the first screen that needs it.
    router.add("GET", "/v1/me", Role::classify, Cost::quick, [](const HttpRequest& req, HttpResponse& res) {
        if (req.caller.empty()) {
            // No key named the caller: a server without keys, which listens on loopback only
            // and allows everything (with keys, this route needs one).
            return send_json(res, 200, {{"name", "anonymous"}, {"role", "admin"}, {"keys", false}});
        }
        send_json(res, 200, {{"name", req.caller}, {"role", req.caller_role}, {"keys", true}});
    });
}

}  // namespace arbiter::service
