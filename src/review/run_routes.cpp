#include <algorithm>
#include <chrono>
#include <thread>

#include "core/json_input.h"
#include "core/policy_json.h"
#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/audit_trail.h"
#include "review/eval_runs.h"
#include "review/routes.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

constexpr int kMaxReplay = 1000;
// How long a cancel waits for another instance to stop the run, asking every kCancelPoll.
constexpr std::chrono::milliseconds kCancelWait{5000};
constexpr std::chrono::milliseconds kCancelPoll{100};

ordered_json run_json(const storage::Run& r, bool with_results) {
    ordered_json j = {{"id", r.id},
                      {"policy", r.policy_id},
                      {"status", r.status},
                      {"created_at", r.created_at},
                      {"created_by", r.created_by},
                      {"finished_at", r.finished_at.empty() ? ordered_json() : ordered_json(r.finished_at)}};
    for (const char* key : {"candidate", "baseline", "items", "mode"})
        j[key] = r.spec.value(key, ordered_json());
    j["progress"] = {{"done", r.done}, {"total", r.total}};
    j["instance"] = r.claimed_by.empty() ? ordered_json() : ordered_json(r.claimed_by);
    j["error"] = r.error.empty() ? ordered_json() : ordered_json(r.error);
    if (with_results) j["results"] = r.results;
    return j;
}

void only_fields(const nlohmann::json& object, const std::string& what,
                 std::initializer_list<const char*> known) {
    for (const auto& field : object.items()) {
        const std::string& key = field.key();
        if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) == known.end())
            throw ServiceError(Refusal::invalid, "unknown field '" + key + "' in " + what);
    }
}

int version_of(const nlohmann::json& side, const std::string& what) {
    const std::optional<int64_t> version = whole_number_in(side["version"], 1, INT32_MAX);
    if (!version) throw ServiceError(Refusal::invalid, what + ".version must be a whole number from 1");
    return static_cast<int>(*version);
}

// The draft in a run's candidate, checked as PUT checks a policy, with the version it would get.
std::shared_ptr<const Policy> draft_policy(ServiceContext& context, const nlohmann::json& draft,
                                           const std::string& id) {
    if (!draft.is_object())
        throw ServiceError(Refusal::invalid, "candidate.draft must be a policy as a JSON object");
    Policy policy;
    try {
        nlohmann::json named = draft;
        named["id"] = id;
        named.erase("version");
        policy = policy_from_json(named, id);
        if (context.policy_check) context.policy_check(policy);
    } catch (const PolicyError& e) {
        throw ServiceError(Refusal::invalid, std::string("candidate.draft: ") + e.what());
    }
    const std::vector<storage::PolicyVersionInfo> versions = context.policies.versions(id);
    policy.version = versions.empty() ? 1 : versions.back().version + 1;
    return std::make_shared<const Policy>(std::move(policy));
}

std::shared_ptr<const Policy> candidate_of(ServiceContext& context, const nlohmann::json& spec,
                                           const std::string& id) {
    const nlohmann::json& c = spec["candidate"];
    if (!c.is_object() || c.size() != 1 || (!c.contains("version") && !c.contains("draft")))
        throw ServiceError(Refusal::invalid, "candidate must be {\"version\": N} or {\"draft\": POLICY}");
    if (c.contains("draft")) return draft_policy(context, c["draft"], id);
    return context.known_version(id, version_of(c, "candidate"));
}

void start_run(ServiceContext& context, EvalRuns& runs, const HttpRequest& req, HttpResponse& res) {
    const nlohmann::json body = parse_body(req);
    if (!body.is_object()) throw ServiceError(Refusal::invalid, "the body must be a run as a JSON object");
    only_fields(body, "the run", {"policy", "candidate", "baseline", "items", "mode"});
    if (!body.contains("policy") || !body["policy"].is_string())
        throw ServiceError(Refusal::invalid, "policy is required: the id of the policy to run");
    RunPlan plan;
    plan.policy_id = body["policy"].get<std::string>();
    const std::shared_ptr<const Policy> live = context.known_policy(plan.policy_id);
    if (!body.contains("candidate")) throw ServiceError(Refusal::invalid, "candidate is required");
    plan.candidate = candidate_of(context, body, plan.policy_id);

    const nlohmann::json mode_field = body.value("mode", nlohmann::json("score"));
    const std::optional<Mode> mode =
        mode_field.is_string() ? parse_mode(mode_field.get<std::string>()) : std::nullopt;
    if (!mode) throw ServiceError(Refusal::invalid, "mode must be score or reason");
    plan.mode = *mode;

    const nlohmann::json items = body.value("items", nlohmann::json{{"labelled_set", true}});
    if (!items.is_object() || items.size() != 1)
        throw ServiceError(Refusal::invalid, "items must be {\"labelled_set\": true} or {\"replay\": N}");
    if (items.contains("replay")) {
        const std::optional<int64_t> replay = whole_number_in(items["replay"], 1, kMaxReplay);
        if (!replay)
            throw ServiceError(Refusal::invalid,
                               "items.replay must be a whole number from 1 to " + std::to_string(kMaxReplay));
        plan.replay = static_cast<size_t>(*replay);
    } else if (!items.contains("labelled_set") || items["labelled_set"] != true) {
        throw ServiceError(Refusal::invalid, "items must be {\"labelled_set\": true} or {\"replay\": N}");
    }

    ordered_json spec = {
        {"candidate", body["candidate"].contains("draft")
                          ? ordered_json{{"draft", true}, {"version", plan.candidate->version}}
                          : ordered_json{{"version", plan.candidate->version}}},
        {"items", items},
        {"mode", to_string(*mode)}};
    if (body["candidate"].contains("draft")) spec["draft"] = policy_to_json(*plan.candidate);
    if (plan.replay == 0) {
        const nlohmann::json baseline = body.value("baseline", nlohmann::json{{"version", live->version}});
        if (!baseline.is_object() || baseline.size() != 1 || !baseline.contains("version"))
            throw ServiceError(Refusal::invalid, "baseline must be {\"version\": N}");
        plan.baseline = context.known_version(plan.policy_id, version_of(baseline, "baseline"));
        spec["baseline"] = {{"version", plan.baseline->version}};
    } else {
        if (body.contains("baseline"))
            throw ServiceError(Refusal::invalid,
                               "a replay's baseline is the verdicts logged then: leave baseline out");
        spec["baseline"] = {{"logged", true}};
    }
    storage::Run run;
    try {
        run = runs.start(std::move(spec), plan.policy_id, caller_name(req));
    } catch (const RunQueueFull& e) {
        throw ServiceError(Refusal::busy, e.what());
    }
    record_change(
        context, req, "run.start", "run:" + run.id,
        {{"policy", plan.policy_id}, {"candidate", run.spec["candidate"]}, {"items", run.spec["items"]}});
    res.set_header("Location", "/v1/runs/" + run.id);
    send_json(res, 202, run_json(run, false));
}

storage::Run known_run(ServiceContext& context, const std::string& id) {
    std::optional<storage::Run> run = context.runs.get(id);
    if (!run) throw ServiceError(Refusal::not_found, "no run '" + id + "'");
    return std::move(*run);
}

// The policy a promotion makes live: a done run's candidate, or a stored version.
Policy promoted(ServiceContext& context, const std::string& id, const nlohmann::json& body) {
    if (!body.is_object() || body.size() != 1 || (!body.contains("run") && !body.contains("version")))
        throw ServiceError(Refusal::invalid, "the body must be {\"run\": RUN_ID} or {\"version\": N}");
    if (body.contains("version")) return *context.known_version(id, version_of(body, "the body"));
    if (!body["run"].is_string()) throw ServiceError(Refusal::invalid, "run must be a run id");
    const storage::Run run = known_run(context, body["run"].get<std::string>());
    if (run.policy_id != id)
        throw ServiceError(Refusal::invalid, "run '" + run.id + "' is of policy '" + run.policy_id + "'");
    if (run.status != "done")
        throw ServiceError(Refusal::conflict, "run '" + run.id + "' is " + run.status + ", not done");
    if (run.spec.contains("draft")) {
        try {
            return policy_from_json(run.spec["draft"], id);
        } catch (const PolicyError& e) {
            throw ServiceError(Refusal::internal,
                               std::string("the run's stored draft is unreadable: ") + e.what());
        }
    }
    return *context.known_version(id, version_of(run.spec["candidate"], "the run's candidate"));
}

// Cancels the run and returns it as it is then: cancelled, or, when another instance runs it,
// cancelled once that instance has stopped it (at its next chunk), or still running past kCancelWait.
storage::Run cancelled(ServiceContext& context, EvalRuns& runs, const std::string& id) {
    switch (runs.cancel(id)) {
    case storage::Cancelled::unknown:
        throw ServiceError(Refusal::not_found, "no run '" + id + "'");
    case storage::Cancelled::finished:
        throw ServiceError(Refusal::conflict, "run '" + id + "' has already finished");
    case storage::Cancelled::now:
        break;
    case storage::Cancelled::requested:
        for (auto waited = std::chrono::milliseconds(0); waited < kCancelWait; waited += kCancelPoll) {
            if (known_run(context, id).status != "running") break;
            std::this_thread::sleep_for(kCancelPoll);
        }
        break;
    }
    return known_run(context, id);
}

void promote(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& id = req.path_params.at(0);
    const std::shared_ptr<const Policy> live = context.known_policy(id);
    Policy policy = promoted(context, id, parse_body(req));
    const int from = policy.version;
    if (policy.text == live->text && from == live->version)
        throw ServiceError(Refusal::conflict, "version " + std::to_string(from) + " is already live");
    const std::shared_ptr<const Policy> stored =
        context.policies.put(std::move(policy), false, caller_name(req));
    const std::optional<storage::Shadow> shadow = context.shadows.of(id);
    const bool shadow_ended = shadow && shadow->policy->version == from && context.shadows.clear(id);
    record_change(context, req, "policy.promote", "policy:" + id,
                  {{"version", stored->version}, {"promoted_from", from}, {"shadow_ended", shadow_ended}});
    ordered_json body = policy_to_json(*stored);
    body["promoted_from"] = from;
    send_json(res, 200, body);
}

}  // namespace

void add_run_routes(Router& router, ServiceContext& context, EvalRuns& runs) {
    router.add("POST", "/v1/runs", Role::review, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) { start_run(context, runs, req, res); });
    router.add("GET", "/v1/runs", Role::review, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) {
                   ordered_json list = ordered_json::array();
                   for (const storage::Run& r : context.runs.list(req.param("policy"), 100))
                       list.push_back(run_json(r, false));
                   send_json(res, 200, {{"runs", list}});
               });
    router.add("GET", "/v1/runs/{id}", Role::review, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) {
                   send_json(res, 200, run_json(known_run(context, req.path_params.at(0)), true));
               });
    router.add("POST", "/v1/runs/{id}/cancel", Role::review, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) {
                   const std::string& id = req.path_params.at(0);
                   const storage::Run run = cancelled(context, runs, id);
                   record_change(context, req, "run.cancel", "run:" + id, {{"status", run.status}});
                   send_json(res, 200, run_json(run, false));
               });
    router.add("POST", "/v1/policies/{id}/promote", Role::admin, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) { promote(context, req, res); });
}

}  // namespace arbiter::service
