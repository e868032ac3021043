#include "server/playground_request.h"

#include <set>

#include "core/json_input.h"
#include "core/policy_json.h"
#include "core/service_error.h"
#include "http/http_reply.h"

namespace arbiter::service {

namespace {

constexpr size_t kMaxRuns = 4;

[[noreturn]] void bad(const std::string& message) {
    throw ServiceError(Refusal::invalid, message);
}

void only_known(const nlohmann::json& object, const std::set<std::string>& known, const std::string& field,
                const std::string& names) {
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key)) bad(field + "unknown field '" + key + "' (known: " + names + ")");
    }
}

std::shared_ptr<const Policy> run_policy(const nlohmann::json& run, const std::string& field,
                                         const StoredPolicy& stored, bool& draft) {
    if (!run.is_object() || !run.contains("policy"))
        bad(field + " must be an object with policy (an id, or a draft policy object)");
    only_known(run, {"policy", "version"}, field + ": ", "policy, version");
    const nlohmann::json& policy = run.at("policy");
    draft = policy.is_object();
    if (draft) {
        if (run.contains("version")) bad(field + ".version belongs to a stored policy, not a draft");
        try {
            return std::make_shared<const Policy>(
                policy_from_json(policy, policy.contains("id") ? "" : "draft"));
        } catch (const PolicyError& e) {
            bad(field + ".policy: " + e.what());
        }
    }
    if (!policy.is_string() || policy.get<std::string>().empty())
        bad(field + ".policy must be a policy id or a draft policy object");
    std::optional<int> version;
    if (run.contains("version")) {
        const std::optional<int64_t> v = whole_number_in(run.at("version"), 1, INT32_MAX);
        if (!v) bad(field + ".version must be a whole number from 1");
        version = static_cast<int>(*v);
    }
    return stored(policy.get<std::string>(), version);
}

}  // namespace

PlaygroundRequest parse_playground_request(const nlohmann::json& body, const StoredPolicy& stored) {
    if (!body.is_object()) bad("the body must be a JSON object");
    only_known(body, {"content", "runs", "mode", "effort", "max_reasoning_tokens"}, "",
               "content, runs, mode, effort, max_reasoning_tokens");
    if (!body.contains("content")) bad("content is required: a message, a prompt and response, or messages");
    PlaygroundRequest request;
    request.item = parse_item_content(body.at("content"), "content");
    request.item.id = "playground";
    if (!body.contains("runs") || !body.at("runs").is_array() || body.at("runs").empty() ||
        body.at("runs").size() > kMaxRuns)
        bad("runs must be a list of 1 to " + std::to_string(kMaxRuns) +
            " runs, each {\"policy\": id or draft}");
    request.settings = parse_run_settings(body);
    const nlohmann::json& runs = body.at("runs");
    for (size_t i = 0; i < runs.size(); ++i) {
        bool draft = false;
        request.policies.push_back(run_policy(runs[i], "runs[" + std::to_string(i) + "]", stored, draft));
        request.drafts.push_back(draft);
    }
    return request;
}

}  // namespace arbiter::service
