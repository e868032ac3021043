#include "core/content_json.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace arbiter {

namespace {

std::string text_field(const nlohmann::json& item, const char* key) {
    const auto it = item.find(key);
    if (it == item.end() || it->is_null()) throw ContentError(std::string("missing \"") + key + "\"");
    if (!it->is_string()) throw ContentError(std::string("\"") + key + "\" must be a string");
    return it->get<std::string>();
}

// With `exact`, a key of `object` outside `known` is an error naming it (`where` the object).
void check_keys(const nlohmann::json& object, std::initializer_list<std::string_view> known,
                const std::string& where) {
    for (const auto& [key, value] : object.items()) {
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            std::string names;
            for (std::string_view k : known) names += (names.empty() ? "" : ", ") + std::string(k);
            throw ContentError(where + "unknown field '" + key + "' (known: " + names + ")");
        }
    }
}

// OpenAI chat content: a string, or parts of which the text ones are kept.
std::string message_text(const nlohmann::json& content, size_t index, bool exact) {
    if (content.is_string()) return content.get<std::string>();
    const std::string where = "messages[" + std::to_string(index) + "].content";
    if (!content.is_array()) throw ContentError(where + " must be a string or a list of parts");
    std::string text;
    for (const auto& part : content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
            !part["text"].is_string()) {
            throw ContentError(where +
                               ": only {\"type\": \"text\", \"text\": \"...\"} parts can be classified");
        }
        if (exact) check_keys(part, {"type", "text"}, where + ": ");
        if (!text.empty()) text += "\n";
        text += part["text"].get<std::string>();
    }
    return text;
}

size_t total_bytes(const Content& c) {
    size_t n = c.text.size() + c.prompt.size() + c.response.size();
    for (const Turn& t : c.turns) {
        n += t.role.size() + t.content.size() + t.tool_call_id.size() + t.name.size();
        for (const ToolCall& call : t.tool_calls)
            n += call.id.size() + call.name.size() + call.arguments.size();
    }
    return n;
}

// A string field that may be absent (empty then); `where` names the object in errors.
std::string optional_text(const nlohmann::json& object, const char* key, const std::string& where) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) throw ContentError(where + "\"" + key + "\" must be a string");
    return it->get<std::string>();
}

// Arguments as the model wrote them: a string (OpenAI's shape), or an object some clients send
// parsed, kept as its JSON text.
std::string arguments_text(const nlohmann::json& object, const std::string& where) {
    const auto it = object.find("arguments");
    if (it == object.end() || it->is_null()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object()) return it->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    throw ContentError(where + "\"arguments\" must be a string or an object");
}

}  // namespace

std::vector<ToolCall> tool_calls_from_json(const nlohmann::json& calls, const std::string& where,
                                           bool exact) {
    if (!calls.is_array()) throw ContentError(where + "\"tool_calls\" must be a list");
    if (calls.size() > kMaxToolCalls)
        throw ContentError(where + "more than " + std::to_string(kMaxToolCalls) + " tool calls");
    std::vector<ToolCall> out;
    for (size_t k = 0; k < calls.size(); ++k) {
        const std::string at = where + "tool_calls[" + std::to_string(k) + "]: ";
        const nlohmann::json& call = calls[k];
        if (!call.is_object()) throw ContentError(at + "must be an object");
        if (exact) check_keys(call, {"id", "type", "function"}, at);
        const auto function = call.find("function");
        if (function == call.end() || !function->is_object())
            throw ContentError(at + "needs \"function\": {\"name\", \"arguments\"}");
        if (exact) check_keys(*function, {"name", "arguments"}, at + "function: ");
        ToolCall c{optional_text(call, "id", at), optional_text(*function, "name", at),
                   arguments_text(*function, at)};
        if (c.name.empty()) throw ContentError(at + "needs the function's \"name\"");
        if (c.name.size() > kMaxToolNameBytes)
            throw ContentError(at + "a tool's name is longer than " + std::to_string(kMaxToolNameBytes) +
                               " bytes");
        out.push_back(std::move(c));
    }
    return out;
}

namespace {

// A Responses API item (function_call or function_call_output) as the turn it stands for.
Turn response_item(const nlohmann::json& m, const std::string& where, bool exact) {
    const std::string type = m["type"].is_string() ? m["type"].get<std::string>() : "";
    if (type == "function_call") {
        if (exact) check_keys(m, {"type", "id", "call_id", "name", "arguments", "status"}, where);
        ToolCall call{optional_text(m, "call_id", where), optional_text(m, "name", where),
                      arguments_text(m, where)};
        if (call.name.empty() || call.name.size() > kMaxToolNameBytes)
            throw ContentError(where + "a function_call needs \"name\" of at most " +
                               std::to_string(kMaxToolNameBytes) + " bytes");
        return {"assistant", "", {std::move(call)}};
    }
    if (type == "function_call_output") {
        if (exact) check_keys(m, {"type", "id", "call_id", "output", "status"}, where);
        const auto output = m.find("output");
        if (output == m.end() || !output->is_string())
            throw ContentError(where + "a function_call_output needs \"output\" as a string");
        return {"tool", output->get<std::string>(), {}, optional_text(m, "call_id", where)};
    }
    throw ContentError(where + "unknown item type '" + type +
                       "' (known: function_call, function_call_output, or a message with a role)");
}

Turn chat_turn(const nlohmann::json& m, size_t i, bool exact) {
    const std::string where = "messages[" + std::to_string(i) + "]: ";
    if (m.contains("type") && !m.contains("role")) return response_item(m, where, exact);
    if (exact)
        check_keys(m, {"type", "role", "content", "name", "tool_calls", "tool_call_id", "refusal"}, where);
    const auto role = m.find("role");
    if (role == m.end() || !role->is_string() || role->get<std::string>().empty())
        throw ContentError("messages[" + std::to_string(i) + "] needs a \"role\"");
    Turn turn{role->get<std::string>(), ""};
    if (const auto calls = m.find("tool_calls"); calls != m.end() && !calls->is_null())
        turn.tool_calls = tool_calls_from_json(*calls, where, exact);
    turn.tool_call_id = optional_text(m, "tool_call_id", where);
    turn.name = optional_text(m, "name", where);
    const auto body = m.find("content");
    // An assistant turn that only calls tools has no content (null or left out, as OpenAI allows).
    const bool none = body == m.end() || body->is_null();
    if (none && turn.tool_calls.empty())
        throw ContentError("messages[" + std::to_string(i) + "] needs \"content\"");
    if (!none) turn.content = message_text(*body, i, exact);
    return turn;
}

nlohmann::json turn_json(const Turn& t) {
    nlohmann::json m = {{"role", t.role}, {"content", t.content}};
    if (!t.tool_calls.empty()) {
        nlohmann::json calls = nlohmann::json::array();
        for (const ToolCall& c : t.tool_calls)
            calls.push_back({{"id", c.id},
                             {"type", "function"},
                             {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        m["tool_calls"] = std::move(calls);
    }
    if (!t.tool_call_id.empty()) m["tool_call_id"] = t.tool_call_id;
    if (!t.name.empty()) m["name"] = t.name;
    return m;
}

}  // namespace

void name_tool_results(std::vector<Turn>& turns) {
    for (size_t i = 0; i < turns.size(); ++i) {
        Turn& t = turns[i];
        if (t.role != "tool" || !t.name.empty() || t.tool_call_id.empty()) continue;
        for (size_t j = 0; j < i && t.name.empty(); ++j) {
            for (const ToolCall& call : turns[j].tool_calls) {
                if (call.id == t.tool_call_id) t.name = call.name;
            }
        }
    }
}

Content content_from_json(const nlohmann::json& item, bool exact) {
    if (!item.is_object()) throw ContentError("an item must be a JSON object");
    Content content;
    if (item.contains("messages")) {
        if (exact) check_keys(item, {"messages"}, "");
        const auto& messages = item["messages"];
        if (!messages.is_array() || messages.empty())
            throw ContentError("\"messages\" must be a non-empty list");
        if (messages.size() > kMaxTurns)
            throw ContentError("more than " + std::to_string(kMaxTurns) + " messages");
        std::vector<Turn> turns;
        for (size_t i = 0; i < messages.size(); ++i) {
            const auto& m = messages[i];
            if (!m.is_object()) throw ContentError("messages[" + std::to_string(i) + "] must be an object");
            turns.push_back(chat_turn(m, i, exact));
        }
        name_tool_results(turns);
        content = Content::conversation(std::move(turns));
    } else if (item.contains("prompt") || item.contains("response")) {
        if (exact) check_keys(item, {"prompt", "response"}, "");
        std::string prompt = text_field(item, "prompt");  // named first in errors
        content = Content::completion(std::move(prompt), text_field(item, "response"));
    } else if (item.contains("text")) {
        if (exact) check_keys(item, {"text"}, "");
        content = Content::message(text_field(item, "text"));
    } else {
        throw ContentError("an item needs \"text\", \"prompt\" and \"response\", or \"messages\"");
    }
    if (total_bytes(content) > kMaxContentBytes) {
        throw ContentError("content is larger than " + std::to_string(kMaxContentBytes / 1024) + " KiB");
    }
    return content;
}

nlohmann::json content_to_json(const Content& content) {
    switch (content.kind) {
    case ContentKind::completion:
        return {{"prompt", content.prompt}, {"response", content.response}};
    case ContentKind::conversation: {
        nlohmann::json messages = nlohmann::json::array();
        for (const Turn& t : content.turns) messages.push_back(turn_json(t));
        return {{"messages", messages}};
    }
    case ContentKind::message:
        break;
    }
    return {{"text", content.text}};
}

}  // namespace arbiter
