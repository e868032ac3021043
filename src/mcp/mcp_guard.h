#pragma once
// The MCP guard: arbiter in front of a Model Context Protocol server's Streamable HTTP endpoint
// (`serve --mcp-upstream URL`, or mcp: in the configuration), served at the same protocol on
// config.path ("/mcp"). An agent's MCP client points at arbiter instead of the server:
//
//   1. A tools/call request's tool name and arguments are judged, by the policies that judge
//      calls of that tool, before anything is forwarded; a flagged call is answered with a
//      JSON-RPC error (kPolicyViolation) and the server never runs it.
//   2. A tool's result (each text, resource and structured part) is judged, with its call, by
//      the policies that judge tool results, before the client sees it; a flagged result is
//      replaced by the same error. So is every other response with something to say (a resource,
//      a server's instructions, an error's message), on every stream: a resumed stream cannot
//      carry one past.
//   3. Each tool's description and input schema at tools/list are judged like a tool's result
//      (they reach the model the same way: tool poisoning); a flagged tool is withheld, kept with
//      the policies in its _meta["arbiter/flagged"], or not judged (tool_descriptions). A listing is
//      judged once per description and set of policy versions, then remembered.
//   4. Everything else is relayed as it came: sessions (Mcp-Session-Id), the protocol version,
//      SSE responses with their event ids and retry times (resumption: Last-Event-ID), server
//      notifications and requests on the POST and GET streams, DELETE.
// A part that cannot be judged (the queue full, a timeout) is refused, never passed unjudged.
// Each judgement is in the decision log, request id "mcp-...", item "tool_call:NAME",
// "tool_result:NAME", "tool_description:NAME" or "response".

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "http/router.h"
#include "http/worker_pool.h"
#include "service/service_config.h"
#include "service/service_context.h"
#include "streams/upstream_client.h"

namespace arbiter::service {

// The JSON-RPC error code of a part a policy flagged (one of the codes JSON-RPC leaves to
// servers, -32000 to -32099, that MCP's own specification and SDKs do not use).
inline constexpr int kPolicyViolation = -32080;
// The code of a part that could not be judged (the engine busy or failing): refused all the same.
inline constexpr int kNotJudged = -32081;

// The policies that flagged each judged tool description, by its text and the policies' versions.
class DescriptionVerdicts {
public:
    std::optional<std::vector<std::string>> find(const std::string& key) const;
    void remember(const std::string& key, std::vector<std::string> flagged);

private:
    static constexpr size_t kMaxEntries = 4096;  // then forgotten all at once: judged again
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<std::string>> flagged_;
};

struct McpGuard {
    // Reads the upstream's token from config.api_key_env. Throws std::invalid_argument for a bad
    // upstream URL.
    explicit McpGuard(const McpConfig& config);

    const McpConfig config;
    const UpstreamClient upstream;
    DescriptionVerdicts descriptions;
    std::atomic<bool> stopping = false;  // relays stop reading their upstreams
    std::atomic<size_t> active = 0;      // POSTs and DELETEs being relayed (at most max_streams)
    // Server streams (GET) being relayed, at most max_streams apart from the rest: each connected
    // client holds one open, and they must not take the places calls need.
    std::atomic<size_t> listening = 0;
    WorkerPool relays;  // the threads that wait on the upstream, for both (last: joined first)
};

// POST, GET and DELETE on config.path: the guard.
void add_mcp_routes(Router& router, ServiceContext& context, McpGuard& guard);

}  // namespace arbiter::service
