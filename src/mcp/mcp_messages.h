#pragma once
// The JSON-RPC 2.0 messages MCP exchanges, as the guard reads them: a request body or an SSE
// event's data (one message, or a batch as protocol version 2025-03-26 allows), the tool call a
// tools/call request makes, the parts of a tool's result and of a tool's listing that reach the
// model, and the error that answers a refused request.

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/content.h"

namespace arbiter::service {

// JSON-RPC's own error codes, for a body that is not JSON-RPC.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kInvalidParams = -32602;

// Most messages in one batch.
inline constexpr size_t kMaxBatch = 64;

// What is wrong with a message, and the JSON-RPC code that says so.
class McpInputError : public std::runtime_error {
public:
    McpInputError(int rpc_code, const std::string& message) : std::runtime_error(message), code(rpc_code) {}
    const int code;
};

struct McpMessages {
    std::vector<nlohmann::json> messages;  // each an object
    bool batch = false;                    // they came as an array
};

// The messages in `text`. Throws McpInputError: kParseError for text that is not JSON (or nests
// too deep), kInvalidRequest for JSON that holds no message objects or more than kMaxBatch.
McpMessages mcp_messages(std::string_view text);

// The messages as one body or event: the object alone, or the array of a batch, in ASCII (every
// other character escaped: no client's parser can split what the guard judged whole).
std::string mcp_text(const McpMessages& messages);

// A request of tools/call (it has an id: a notification of that name calls nothing).
bool is_tool_call(const nlohmann::json& message);
// The call a tools/call request makes: its JSON-RPC id as its id, its name and its arguments as
// JSON text. Throws McpInputError kInvalidParams for a request without a tool's name.
ToolCall tool_call_of(const nlohmann::json& message);

// A response: an id and a result or an error (whatever else it has: some clients read any such
// message as one).
bool is_response(const nlohmann::json& message);
// A response whose result lists tools (tools/list).
bool is_tool_listing(const nlohmann::json& message);

// What a response tells the model, one part per line. A tool's result: its text parts, the text
// of embedded resources, the names and descriptions of linked ones, its structured content; a
// resource's, the text of its contents; then every other string in the result (a server's
// instructions at initialize, a field a client might show), and an error's message and data.
std::string response_text(const nlohmann::json& message);
// What a listed tool tells the model: its title, its description and its input schema (whose
// property descriptions a poisoned tool fills too).
std::string description_text(const nlohmann::json& tool);

// The id as a key (ids are strings or numbers: "1" and 1 are different requests).
std::string id_key(const nlohmann::json& id);

// The error response to the request `id` (null when it could not be read).
nlohmann::json rpc_error(const nlohmann::json& id, int code, const std::string& message,
                         const nlohmann::json& data = nullptr);

}  // namespace arbiter::service
