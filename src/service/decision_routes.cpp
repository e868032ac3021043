#include "service/http_reply.h"
#include "service/request_error.h"
#include "service/routes.h"

namespace arbiter::service {

namespace {

storage::DecisionQuery decision_query(const HttpRequest& req) {
    storage::DecisionQuery query;
    for (const auto& [key, value] : req.query) {
        if (key != "policy" && key != "violation" && key != "since" && key != "limit")
            throw RequestError(400,
                               "unknown parameter '" + key + "' (known: policy, violation, since, limit)");
    }
    if (const auto policy = req.param("policy")) query.policy = *policy;
    if (const auto violation = req.param("violation")) {
        const std::string& v = *violation;
        if (v != "true" && v != "false") throw RequestError(400, "violation must be true or false");
        query.violation = v == "true";
    }
    if (const auto since = req.param("since")) {
        query.since = storage::canonical_utc_timestamp(*since);
        if (!query.since)
            throw RequestError(400, "since must be an ISO 8601 UTC date or time, e.g. 2026-11-27T20:00:00Z");
    }
    if (const auto limit = req.param("limit")) {
        query.limit = whole_number(*limit).value_or(0);
        if (query.limit < 1 || query.limit > 1000) throw RequestError(400, "limit must be from 1 to 1000");
    }
    return query;
}

}  // namespace

void add_decision_routes(Router& router, ServiceContext& context) {
    router.add("GET", "/v1/decisions", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   nlohmann::ordered_json rows = nlohmann::ordered_json::array();
                   for (auto& row : context.log.query(decision_query(req))) rows.push_back(std::move(row));
                   send_json(res, 200, {{"decisions", rows}});
               });
}

}  // namespace arbiter::service
