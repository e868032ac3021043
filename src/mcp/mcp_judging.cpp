#include "mcp/mcp_judging.h"

#include <algorithm>

#include "core/sha256.h"
#include "mcp/mcp_messages.h"
#include "streams/gateway_judging.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;

json verdict_data(const std::string& stage, const std::vector<std::string>& flagged, const std::string& tool,
                  const std::string& request_id) {
    json arbiter = {{"stage", stage}, {"tool", tool}, {"request_id", request_id}};
    if (!flagged.empty()) {
        arbiter["policy"] = flagged[0];
        arbiter["policies"] = flagged;
    }
    return {{"arbiter", std::move(arbiter)}};
}

// A listed tool's name ("" when it has none, or not as a string).
std::string tool_name(const json& tool) {
    const auto name = tool.is_object() ? tool.find("name") : tool.end();
    return tool.is_object() && name != tool.end() && name->is_string() ? name->get<std::string>() : "";
}

// Tools judged in one fanout: a long listing in several, so none outgrows the job queue.
constexpr size_t kToolsPerFanout = 16;
// Most tools one listing may have (a page of tools/list: servers page longer ones).
constexpr size_t kMaxListedTools = 1024;

// The error that stands for a part that could not be judged: refused, never passed unjudged.
json not_judged(const json& id, const std::string& what, const std::string& stage, const std::string& tool,
                const std::string& request_id, const std::exception& e) {
    return rpc_error(id, kNotJudged, "arbiter: " + what + " could not be judged (" + e.what() + ")",
                     verdict_data(stage, {}, tool, request_id));
}

}  // namespace

McpJudge::McpJudge(ServiceContext& context, McpGuard& guard, std::string request_id)
    : context_(context), guard_(guard), request_id_(std::move(request_id)) {}

std::optional<json> McpJudge::judge_call(const json& request) {
    const json& id = request["id"];
    ToolCall call;
    try {
        call = tool_call_of(request);
    } catch (const McpInputError& e) {
        return rpc_error(id, e.code, e.what());
    }
    const std::vector<Turn> turns = {Turn{"assistant", "", {call}}};
    try {
        const auto policies = judging(stage_policies(context_, guard_.config.policies), turns);
        const std::vector<std::string> flagged =
            flagged_by(context_, request_id_, "tool_call:" + call.name, Content::conversation(turns),
                       policies, guard_.config.threshold);
        if (flagged.empty()) return std::nullopt;
        return rpc_error(id, kPolicyViolation,
                         "arbiter: policy '" + flagged[0] + "' flagged this call of " + call.name +
                             "; the tool was not run",
                         verdict_data("tool_call", flagged, call.name, request_id_));
    } catch (const std::exception& e) {
        return not_judged(id, "this call of " + call.name + ", so the tool was not run, and", "tool_call",
                          call.name, request_id_, e);
    }
}

json McpJudge::judge_response(json message, const McpCalls& calls) {
    if (is_tool_listing(message)) return judge_listing(std::move(message));
    if (is_response(message)) return judge_result(std::move(message), calls);
    return message;
}

json McpJudge::judge_result(json message, const McpCalls& calls) {
    const std::string text = response_text(message);
    if (text.empty()) return message;
    const auto call = calls.find(id_key(message["id"]));
    const std::string tool = call == calls.end() ? std::string() : call->second.name;
    Turn result{"tool", text};
    if (call != calls.end()) {
        result.tool_call_id = call->second.id;
        result.name = tool;
    }
    std::vector<Turn> turns;
    if (call != calls.end()) turns.push_back(Turn{"assistant", "", {call->second}});
    turns.push_back(result);
    try {
        const auto policies = judging(stage_policies(context_, guard_.config.policies), {result});
        const std::vector<std::string> flagged =
            flagged_by(context_, request_id_, tool.empty() ? "response" : "tool_result:" + tool,
                       Content::conversation(std::move(turns)), policies, guard_.config.threshold);
        if (flagged.empty()) return message;
        return rpc_error(message["id"], kPolicyViolation,
                         "arbiter: policy '" + flagged[0] + "' flagged the result of " +
                             (tool.empty() ? std::string("a request") : tool) + "; it was withheld",
                         verdict_data("tool_result", flagged, tool, request_id_));
    } catch (const std::exception& e) {
        return not_judged(message["id"],
                          "the result of " + (tool.empty() ? std::string("a request") : tool) + ", withheld,",
                          "tool_result", tool, request_id_, e);
    }
}

json McpJudge::judge_listing(json message) {
    if (guard_.config.tool_descriptions == FlaggedTools::pass) return message;
    json& tools = message["result"]["tools"];
    if (tools.size() > kMaxListedTools)
        return rpc_error(message["id"], kNotJudged,
                         "arbiter: a listing of " + std::to_string(tools.size()) +
                             " tools is more than the " + std::to_string(kMaxListedTools) +
                             " the guard judges at once; it was withheld");
    std::vector<std::vector<std::string>> flagged;
    try {
        flagged = flagged_tools(tools);
    } catch (const std::exception& e) {
        return not_judged(message["id"], "the tools' descriptions, withheld,", "tool_description", "",
                          request_id_, e);
    }
    json kept = json::array();
    for (size_t i = 0; i < tools.size(); ++i) {
        if (flagged[i].empty()) {
            kept.push_back(std::move(tools[i]));
        } else if (guard_.config.tool_descriptions == FlaggedTools::flag) {
            if (!tools[i].contains("_meta") || !tools[i]["_meta"].is_object())
                tools[i]["_meta"] = json::object();
            tools[i]["_meta"]["arbiter/flagged"] = flagged[i];
            kept.push_back(std::move(tools[i]));
        }
    }
    tools = std::move(kept);
    return message;
}

std::vector<std::vector<std::string>> McpJudge::flagged_tools(const json& tools) {
    std::vector<std::vector<std::string>> flagged(tools.size());
    const auto policies = judging(stage_policies(context_, guard_.config.policies), {Turn{"tool", "listed"}});
    if (policies.empty()) return flagged;
    std::string judged_by = std::to_string(guard_.config.threshold);
    for (const auto& p : policies) judged_by += "\n" + p->id + "@" + std::to_string(p->version);
    std::vector<std::pair<std::string, Content>> unknown;
    std::vector<size_t> unknown_at;
    std::vector<std::string> keys(tools.size());
    for (size_t i = 0; i < tools.size(); ++i) {
        const std::string name = tool_name(tools[i]);
        const std::string text = description_text(tools[i]);
        keys[i] = sha256_hex(judged_by + "\n" + name + "\n" + text);
        if (auto known = guard_.descriptions.find(keys[i])) {
            flagged[i] = std::move(*known);
            continue;
        }
        Turn listed{"tool", text};
        listed.name = name;
        unknown.emplace_back("tool_description:" + name, Content::conversation({listed}));
        unknown_at.push_back(i);
    }
    for (size_t start = 0; start < unknown.size(); start += kToolsPerFanout) {
        const size_t end = std::min(unknown.size(), start + kToolsPerFanout);
        const std::vector<std::pair<std::string, Content>> some(unknown.begin() + static_cast<long>(start),
                                                                unknown.begin() + static_cast<long>(end));
        const auto judged = flagged_each(context_, request_id_, some, policies, guard_.config.threshold);
        for (size_t j = start; j < end; ++j) {
            flagged[unknown_at[j]] = judged[j - start];
            guard_.descriptions.remember(keys[unknown_at[j]], judged[j - start]);
        }
    }
    return flagged;
}

}  // namespace arbiter::service
