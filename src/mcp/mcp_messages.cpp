#include "mcp/mcp_messages.h"

#include "core/json_input.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;

const json* member(const json& object, const char* key) {
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

const json* result_of(const json& message) {
    if (!is_response(message)) return nullptr;
    const json* result = member(message, "result");
    return result && result->is_object() ? result : nullptr;
}

void add_line(std::string& text, const json* value) {
    if (!value || !value->is_string() || value->get_ref<const std::string&>().empty()) return;
    if (!text.empty()) text += '\n';
    text += value->get<std::string>();
}

}  // namespace

McpMessages mcp_messages(std::string_view text) {
    std::string error;
    std::optional<json> parsed = parse_json(text, error);
    if (!parsed) throw McpInputError(kParseError, "the body is not JSON: " + error);
    McpMessages out;
    out.batch = parsed->is_array();
    if (out.batch) {
        if (parsed->empty() || parsed->size() > kMaxBatch)
            throw McpInputError(kInvalidRequest,
                                "a batch holds 1 to " + std::to_string(kMaxBatch) + " messages");
        out.messages.assign(parsed->begin(), parsed->end());
    } else {
        out.messages.push_back(std::move(*parsed));
    }
    for (const json& m : out.messages) {
        if (!m.is_object()) throw McpInputError(kInvalidRequest, "a JSON-RPC message is an object");
    }
    return out;
}

std::string mcp_text(const McpMessages& messages) {
    const json value = messages.batch ? json(messages.messages) : messages.messages.at(0);
    return value.dump(-1, ' ', true, json::error_handler_t::replace);
}

bool is_tool_call(const json& message) {
    const json* method = member(message, "method");
    return method && *method == "tools/call" && message.contains("id");
}

ToolCall tool_call_of(const json& message) {
    const json* params = member(message, "params");
    const json* name = params && params->is_object() ? member(*params, "name") : nullptr;
    if (!name || !name->is_string() || name->get_ref<const std::string&>().empty())
        throw McpInputError(kInvalidParams, "tools/call needs params.name, the tool's name");
    const json* arguments = member(*params, "arguments");
    const json& id = message["id"];
    return {id.is_string() ? id.get<std::string>() : id_key(id), name->get<std::string>(),
            arguments ? arguments->dump(-1, ' ', false, json::error_handler_t::replace) : "{}"};
}

bool is_response(const json& message) {
    return message.contains("id") && (message.contains("result") || message.contains("error"));
}

bool is_tool_listing(const json& message) {
    const json* result = result_of(message);
    const json* tools = result ? member(*result, "tools") : nullptr;
    return tools && tools->is_array();
}

namespace {

// A part in no shape the guard knows, as the model would read it: a string as it is, anything
// else as its JSON (keys and all).
void add_part(std::string& text, const json& value) {
    if (value.is_string()) return add_line(text, &value);
    if (value.is_null() || value.is_boolean() || value.is_number()) return;
    const json dumped = value.dump(-1, ' ', false, json::error_handler_t::replace);
    add_line(text, &dumped);
}

// A tool's or a resource's parts, in the order the model reads them.
void add_result_parts(std::string& text, const json& result) {
    if (const json* content = member(result, "content"); content && content->is_array()) {
        for (const json& part : *content) {
            if (!part.is_object()) continue;
            add_line(text, member(part, "text"));
            if (const json* resource = member(part, "resource"); resource && resource->is_object())
                add_line(text, member(*resource, "text"));
            if (part.value("type", json()) == "resource_link") {
                add_line(text, member(part, "name"));
                add_line(text, member(part, "description"));
            }
        }
    }
    if (const json* contents = member(result, "contents"); contents && contents->is_array()) {
        for (const json& resource : *contents) {
            if (resource.is_object()) add_line(text, member(resource, "text"));
        }
    }
    if (const json* structured = member(result, "structuredContent"); structured && !structured->is_null()) {
        const json dumped = structured->dump(-1, ' ', false, json::error_handler_t::replace);
        add_line(text, &dumped);
    }
}

}  // namespace

std::string response_text(const json& message) {
    std::string text;
    if (const json* result = member(message, "result"); result && result->is_object()) {
        add_result_parts(text, *result);
        for (const auto& [key, value] : result->items()) {
            const bool read = ((key == "content" || key == "contents") && value.is_array()) ||
                              key == "structuredContent" || key == "_meta";
            if (!read) add_part(text, value);
        }
    } else if (result) {
        add_part(text, *result);
    }
    if (const json* error = member(message, "error"); error && error->is_object()) {
        add_part(text, error->value("message", json()));
        add_part(text, error->value("data", json()));
    } else if (error) {
        add_part(text, *error);
    }
    return text;
}

std::string description_text(const json& tool) {
    std::string text;
    if (!tool.is_object()) return text;
    add_line(text, member(tool, "title"));
    add_line(text, member(tool, "description"));
    if (const json* schema = member(tool, "inputSchema"); schema && !schema->is_null()) {
        const json dumped = "Input schema: " + schema->dump(-1, ' ', false, json::error_handler_t::replace);
        add_line(text, &dumped);
    }
    return text;
}

std::string id_key(const json& id) {
    return id.dump(-1, ' ', false, json::error_handler_t::replace);
}

json rpc_error(const json& id, int code, const std::string& message, const json& data) {
    json error = {{"code", code}, {"message", message}};
    if (!data.is_null()) error["data"] = data;
    return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

}  // namespace arbiter::service
