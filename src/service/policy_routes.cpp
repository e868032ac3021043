#include "core/policy_file.h"
#include "core/policy_json.h"
#include "service/http_reply.h"
#include "service/request_error.h"
#include "service/routes.h"

namespace arbiter::service {

namespace {

void get_policy(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    const std::optional<std::string> asked = req.param("version");
    if (!asked) return send_json(res, 200, policy_to_json(*context.known_policy(id)));
    const std::string& text = *asked;
    const int version = whole_number(text).value_or(0);
    if (version < 1) throw RequestError(400, "version must be a whole number from 1");
    const std::optional<storage::PolicyVersion> stored = context.policies.version(id, version);
    if (!stored) throw RequestError(404, "policy '" + id + "' has no version " + text);
    nlohmann::ordered_json body = policy_to_json(*stored->policy);
    body["created_at"] = stored->created_at;
    body["deleted"] = stored->deleted;
    send_json(res, 200, body);
}

void put_policy(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    if (!valid_policy_id(id))
        throw RequestError(400, "policy id '" + id + "' must be 1-64 letters, digits, '-', '_' or '.'");
    Policy policy;
    bool stated = false;  // the body names its version
    try {
        const bool is_json = req.header("Content-Type").find("json") != std::string::npos;
        if (is_json) {
            const nlohmann::json body = parse_body(req);
            stated = body.is_object() && body.contains("version");
            policy = policy_from_json(body, id);
        } else {
            stated = states_version(req.body);
            // A policy file: Markdown with optional front matter, as in the policies folder.
            policy = parse_policy(req.body, id + ".md");
            if (policy.id != id)
                throw PolicyError("the front matter's id '" + policy.id + "' does not match '" + id + "'");
        }
        if (context.policy_check) context.policy_check(policy);
    } catch (const PolicyError& e) {
        throw RequestError(400, e.what());
    }
    const bool existed = context.policies.current(id) != nullptr;
    std::shared_ptr<const Policy> stored;
    try {
        stored = context.policies.put(std::move(policy), stated);
    } catch (const storage::VersionConflict& e) {
        throw RequestError(409, e.what());
    }
    send_json(res, existed ? 200 : 201, policy_to_json(*stored));
}

}  // namespace

void add_policy_routes(Router& router, ServiceContext& context) {
    // Blocking: the store reads and writes SQLite.
    router.add("GET", "/v1/policies", Role::classify, Cost::blocking,
               [&context](const HttpRequest&, HttpResponse& res) {
                   nlohmann::ordered_json list = nlohmann::ordered_json::array();
                   for (const auto& p : context.policies.current_all()) list.push_back(policy_to_json(*p));
                   send_json(res, 200, {{"policies", list}});
               });
    router.add("GET", "/v1/policies/{id}", Role::classify, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { get_policy(context, req, res); });
    router.add("PUT", "/v1/policies/{id}", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { put_policy(context, req, res); });
    router.add("DELETE", "/v1/policies/{id}", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const std::string& id = req.path_params.at(0);
                   if (!context.policies.remove(id)) throw RequestError(404, "no policy '" + id + "'");
                   res.status = 204;
               });
}

}  // namespace arbiter::service
