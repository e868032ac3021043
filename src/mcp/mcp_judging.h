#pragma once
// How the MCP guard judges what passes through it (mcp_guard.h): a tools/call request before the
// server runs it, a response on its way to the client (a tool's result, a listing of tools).
// Each judgement is logged under the exchange's request id.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/content.h"
#include "mcp/mcp_guard.h"

namespace arbiter::service {

// The calls of one exchange, by their JSON-RPC id (id_key): whose result is whose.
using McpCalls = std::map<std::string, ToolCall>;

class McpJudge {
public:
    McpJudge(ServiceContext& context, McpGuard& guard, std::string request_id);

    // The error that answers a tools/call request a policy flags, or that could not be judged;
    // nullopt when it may go to the server.
    std::optional<nlohmann::json> judge_call(const nlohmann::json& request);
    // `message` as the client may have it: a response whose text a policy flags (a tool's result,
    // a resource, a server's instructions, an error's message) replaced by an error, a listing
    // with its flagged tools withheld or marked; requests and notifications as they came. `calls`
    // names the tool a result answers, where this exchange made the call.
    nlohmann::json judge_response(nlohmann::json message, const McpCalls& calls);

private:
    nlohmann::json judge_result(nlohmann::json message, const McpCalls& calls);
    nlohmann::json judge_listing(nlohmann::json message);
    // Per listed tool, the policies that flag its description (remembered ones not judged again).
    std::vector<std::vector<std::string>> flagged_tools(const nlohmann::json& tools);

    ServiceContext& context_;
    McpGuard& guard_;
    const std::string request_id_;
};

}  // namespace arbiter::service
