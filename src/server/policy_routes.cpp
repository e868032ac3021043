#include "core/policy_file.h"
#include "core/policy_json.h"
#include "core/policy_lint.h"
#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/audit_trail.h"
#include "server/routes.h"

namespace arbiter::service {

namespace {

void get_policy(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    const std::optional<std::string> asked = req.param("version");
    if (!asked) return send_json(res, 200, policy_to_json(*context.known_policy(id)));
    const std::string& text = *asked;
    const int version = whole_number(text).value_or(0);
    if (version < 1) throw ServiceError(Refusal::invalid, "version must be a whole number from 1");
    const std::optional<storage::PolicyVersion> stored = context.policies.version(id, version);
    if (!stored) throw ServiceError(Refusal::not_found, "policy '" + id + "' has no version " + text);
    nlohmann::ordered_json body = policy_to_json(*stored->policy);
    body["created_at"] = stored->created_at;
    body["deleted"] = stored->deleted;
    send_json(res, 200, body);
}

void put_policy(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    if (!valid_policy_id(id))
        throw ServiceError(Refusal::invalid,
                           "policy id '" + id + "' must be 1-64 letters, digits, '-', '_' or '.'");
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
        throw ServiceError(Refusal::invalid, e.what());
    }
    const bool existed = context.policies.current(id) != nullptr;
    std::shared_ptr<const Policy> stored;
    try {
        stored = context.policies.put(std::move(policy), stated, caller_name(req));
    } catch (const storage::VersionConflict& e) {
        throw ServiceError(Refusal::conflict, e.what());
    }
    record_change(context, req, "policy.put", "policy:" + id, {{"version", stored->version}});
    send_json(res, existed ? 200 : 201, policy_to_json(*stored));
}

// GET /v1/policies/{id}/versions: the history a console lists and diffs, without the texts (each
// is GET /v1/policies/{id}?version=N).
void list_versions(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    const std::vector<storage::PolicyVersionInfo> versions = context.policies.versions(id);
    if (versions.empty()) throw ServiceError(Refusal::not_found, "no policy '" + id + "'");
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const storage::PolicyVersionInfo& v : versions)
        list.push_back({{"version", v.version},
                        {"created_at", v.created_at},
                        {"deleted", v.deleted},
                        {"author", v.author ? nlohmann::ordered_json(*v.author) : nlohmann::ordered_json()}});
    const std::shared_ptr<const Policy> current = context.policies.current(id);
    send_json(res, 200,
              {{"id", id},
               {"current", current ? nlohmann::ordered_json(current->version) : nlohmann::ordered_json()},
               {"versions", list}});
}

// POST /v1/lint: `arbiter policy lint`'s findings for a draft in PUT's JSON shape, so an editor can
// show them as its author types. Nothing is stored. Tokens are estimated from characters (the
// service's backend may be remote, with no tokenizer here), as the CLI does without --model.
void lint(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const nlohmann::json body = parse_body(req);
    if (!body.is_object()) throw ServiceError(Refusal::invalid, "the body must be a policy as a JSON object");
    Policy policy;
    try {
        // A draft not yet named lints as "draft".
        policy = policy_from_json(body, body.contains("id") ? "" : "draft");
        // The rules must compile, as PUT requires: a draft that lints clean can be saved.
        if (context.policy_check) context.policy_check(policy);
    } catch (const PolicyError& e) {
        throw ServiceError(Refusal::invalid, e.what());
    }
    nlohmann::ordered_json warnings = nlohmann::ordered_json::array();
    LintOptions options;
    options.estimate_note = "estimated from characters";
    for (const LintWarning& w : lint_policy(policy, {}, options))
        warnings.push_back({{"line", w.line}, {"message", w.message}});
    send_json(res, 200, {{"warnings", warnings}, {"estimated_tokens", estimate_tokens(policy.text)}});
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
    router.add("GET", "/v1/policies/{id}/versions", Role::classify, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { list_versions(context, req, res); });
    // Blocking: a large draft's rules are compiled.
    router.add("POST", "/v1/lint", Role::classify, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { lint(context, req, res); });
    router.add("PUT", "/v1/policies/{id}", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { put_policy(context, req, res); });
    router.add("DELETE", "/v1/policies/{id}", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const std::string& id = req.path_params.at(0);
                   if (!context.policies.remove(id, caller_name(req)))
                       throw ServiceError(Refusal::not_found, "no policy '" + id + "'");
                   record_change(context, req, "policy.delete", "policy:" + id);
                   res.status = 204;
               });
}

}  // namespace arbiter::service
