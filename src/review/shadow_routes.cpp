#include "core/json_input.h"
#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/audit_trail.h"
#include "review/routes.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr size_t kDiffering = 50;

void put_shadow(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    const std::shared_ptr<const Policy> live = context.known_policy(id);
    const nlohmann::json body = parse_body(req);
    const std::optional<int64_t> asked = body.is_object() && body.size() == 1 && body.contains("version")
                                             ? whole_number_in(body["version"], 1, INT32_MAX)
                                             : std::nullopt;
    if (!asked)
        throw ServiceError(Refusal::invalid,
                           "the body must be {\"version\": N}: the stored version to shadow");
    const int version = static_cast<int>(*asked);
    context.known_version(id, version);
    if (version == live->version)
        throw ServiceError(Refusal::invalid,
                           "version " + std::to_string(version) + " is the live version; shadow another");
    context.shadows.set(id, version, caller_name(req));
    record_change(context, req, "shadow.set", "policy:" + id, {{"version", version}});
    send_json(res, 200, {{"policy", id}, {"shadow", {{"version", version}}}});
}

void get_shadow(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    const std::shared_ptr<const Policy> live = context.known_policy(id);
    const std::optional<storage::Shadow> shadow = context.shadows.of(id);
    ordered_json body = {{"policy", id}, {"live_version", live->version}, {"shadow", nullptr}};
    body["skipped"] = context.shadow_skipped.load();
    if (!shadow) {
        body["pairs"] = 0;
        body["agreement"] = nullptr;
        body["differing"] = ordered_json::array();
        return send_json(res, 200, body);
    }
    body["shadow"] = {
        {"version", shadow->policy->version}, {"since", shadow->since}, {"set_by", shadow->set_by}};
    const storage::ShadowComparison c =
        context.log.compare_shadow(id, shadow->policy->version, shadow->since, kDiffering);
    body["pairs"] = c.pairs;
    body["agreement"] = c.pairs == 0
                            ? ordered_json()
                            : ordered_json(static_cast<double>(c.agree) / static_cast<double>(c.pairs));
    ordered_json differing = ordered_json::array();
    for (const ordered_json& pair : c.differing) {
        const ordered_json& l = pair["live"];
        const ordered_json& s = pair["shadow"];
        differing.push_back({{"decision_id", l["decision_id"]},
                             {"shadow_decision_id", s["decision_id"]},
                             {"created_at", l["created_at"]},
                             {"content", l["content"]},
                             {"live", l["verdict"]},
                             {"shadow", s["verdict"]}});
    }
    body["differing"] = std::move(differing);
    send_json(res, 200, body);
}

}  // namespace

void add_shadow_routes(Router& router, ServiceContext& context) {
    router.add("PUT", "/v1/policies/{id}/shadow", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { put_shadow(context, req, res); });
    router.add("DELETE", "/v1/policies/{id}/shadow", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const std::string& id = req.path_params.at(0);
                   if (!context.shadows.clear(id))
                       throw ServiceError(Refusal::not_found, "policy '" + id + "' has no shadow version");
                   record_change(context, req, "shadow.clear", "policy:" + id);
                   res.status = 204;
               });
    router.add("GET", "/v1/policies/{id}/shadow", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { get_shadow(context, req, res); });
}

}  // namespace arbiter::service
