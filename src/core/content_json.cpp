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
    for (const Turn& t : c.turns) n += t.role.size() + t.content.size();
    return n;
}

}  // namespace

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
            if (exact) check_keys(m, {"role", "content", "name"}, "messages[" + std::to_string(i) + "]: ");
            const auto role = m.find("role");
            if (role == m.end() || !role->is_string() || role->get<std::string>().empty()) {
                throw ContentError("messages[" + std::to_string(i) + "] needs a \"role\"");
            }
            const auto body = m.find("content");
            if (body == m.end()) throw ContentError("messages[" + std::to_string(i) + "] needs \"content\"");
            turns.push_back({role->get<std::string>(), message_text(*body, i, exact)});
        }
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
        for (const Turn& t : content.turns) messages.push_back({{"role", t.role}, {"content", t.content}});
        return {{"messages", messages}};
    }
    case ContentKind::message:
        break;
    }
    return {{"text", content.text}};
}

}  // namespace arbiter
