#include "compat/moderation.h"
#include "compat/routes.h"
#include "core/random_id.h"
#include "core/service_error.h"
#include "http/http_reply.h"
#include "service/verdict_fanout.h"

namespace arbiter::service {

namespace {

void moderate(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::shared_ptr<const ServiceConfig> settings = context.settings();
    const ModerationRequest request = parse_moderation_request(parse_body(req), settings->max_items);
    const std::string model = request.model.value_or("default");
    // policy_sets always holds "default", and every alias beside the sets' own names.
    const auto found = settings->policy_sets.find(model);
    if (found == settings->policy_sets.end()) {
        std::string names;
        for (const auto& [name, s] : settings->policy_sets) {
            if (s.name == name) names += (names.empty() ? "" : ", ") + name;
        }
        throw ServiceError(Refusal::not_found, "no policy set '" + model +
                                                   "' on this server (sets: " + names +
                                                   "; OpenAI's moderation model names select 'default')");
    }
    const PolicySet& set = found->second;
    std::vector<std::shared_ptr<const Policy>> policies;
    if (set.policies.empty()) {
        policies = context.policies.current_all();
    } else {
        for (const std::string& id : set.policies) policies.push_back(context.known_policy(id));
    }
    if (policies.empty())
        throw ServiceError(Refusal::not_found, "policy set '" + model + "' has no policies");

    const OnTimeout on_timeout = set.on_timeout.value_or(settings->on_timeout);
    const std::string request_id = random_id("modr-");
    const std::vector<bool> none_inline(policies.size(), false);
    Fanout fanout{request_id, request.inputs, policies, none_inline, set.mode, std::nullopt, 0, on_timeout};
    fanout.caller = req.caller;
    fanout.caller_limit = req.caller_limit;
    fanout.tracing = req.tracing;
    std::vector<std::vector<Verdict>> verdicts = run_items(context, fanout);
    // The moderation format has no per-item error: a verdict that failed fails the request. Only a
    // timeout takes the set's on_timeout decision (run_items applied it): an error is never a
    // judgement, so it cannot pass content through a fail_open set.
    for (const auto& item : verdicts) {
        for (const Verdict& v : item) {
            if (v.status == VerdictStatus::ok || v.status == VerdictStatus::timeout) continue;
            throw ServiceError(Refusal::upstream_failed,
                               "policy '" + v.policy_id + "' gave no verdict: " +
                                   (v.error.empty() ? std::string(to_string(v.status)) : v.error));
        }
    }
    res.set_header("X-Request-Id", request_id);
    send_json(res, 200, moderation_response(request_id, model, set, verdicts));
}

}  // namespace

void add_moderation_routes(Router& router, ServiceContext& context) {
    router.add("POST", "/v1/moderations", Role::classify, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { moderate(context, req, res); });
}

}  // namespace arbiter::service
