#pragma once
// One MCP exchange relayed on a guard's thread (mcp_guard.h): the client's request sent to the
// server, and its answer back, judged on the way. A JSON answer is judged whole; an SSE answer
// (a POST's stream, the GET stream) goes out event by event as it arrives, each judged before it
// is written, with its id, name and retry time as the server sent them. Calls the guard refused
// are answered first, in the same body or stream. Any 2xx is read as an answer (clients read it
// so), and an error's body is judged too: hosts show it to the model.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/late_response.h"
#include "mcp/mcp_guard.h"
#include "mcp/mcp_judging.h"
#include "mcp/mcp_messages.h"
#include "streams/upstream_client.h"

namespace arbiter::service {

struct McpExchange {
    std::string request_id;                     // "mcp-...": the decision log's, and X-Request-Id
    UpstreamRequest request;                    // what goes to the server
    McpCalls calls = {};                        // the tools/call requests forwarded, by id
    std::vector<nlohmann::json> answered = {};  // the guard's own answers (refused calls)
    bool batch = false;                         // the client sent an array: it gets one back
};

// `messages` as an HTTP answer: JSON, in ASCII.
HttpResponse rpc_response(int status, const McpMessages& messages);

// Sends the exchange's request and delivers the answer through `later`, on every path.
void relay_exchange(ServiceContext& context, McpGuard& guard, const McpExchange& exchange,
                    const std::shared_ptr<LateResponse>& later);

}  // namespace arbiter::service
