
#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/query_params.h"
#include "review/routes.h"

namespace arbiter::service {

namespace {

storage::AuditQuery audit_query(const HttpRequest& req) {
    only_parameters(req, {"action", "actor", "target", "since", "until", "before", "limit"});
    storage::AuditQuery query;
    if (const auto action = req.param("action"); action && !action->empty()) query.action = *action;
    if (const auto actor = req.param("actor"); actor && !actor->empty()) query.actor = *actor;
    if (const auto target = req.param("target"); target && !target->empty()) query.target = *target;
    if (const auto since = req.param("since")) query.since = time_bound("since", *since, false);
    if (const auto until = req.param("until")) query.until = time_bound("until", *until, true);
    if (const auto before = req.param("before")) query.before = positive("before", *before);
    query.limit = page_limit(req, query.limit);
    return query;
}

}  // namespace

void add_audit_routes(Router& router, ServiceContext& context) {
    // Newest first, in pages (query_params.h).
    router.add("GET", "/v1/audit", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const storage::AuditQuery query = audit_query(req);
                   send_page(res, "events", context.audit.query(query), query.limit, "event_id");
               });
    // The hash chain walked from the first event: whether any was changed or removed.
    router.add("GET", "/v1/audit/verify", Role::admin, Cost::blocking,
               [&context](const HttpRequest&, HttpResponse& res) {
                   const storage::AuditCheck check = context.audit.verify();
                   send_json(res, 200,
                             {{"events", check.events},
                              {"intact", !check.first_break},
                              {"head", check.head},
                              {"first_break", check.first_break ? nlohmann::ordered_json(*check.first_break)
                                                                : nlohmann::ordered_json()}});
               });
}

}  // namespace arbiter::service
