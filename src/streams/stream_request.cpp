#include "streams/stream_request.h"

#include <set>

#include "core/content_json.h"
#include "core/json_input.h"
#include "core/service_error.h"
#include "http/http_reply.h"

namespace arbiter::service {

namespace {

[[noreturn]] void bad(const std::string& message) {
    throw ServiceError(Refusal::invalid, message);
}

int whole(const nlohmann::json& object, const std::string& field, const char* key, int high) {
    const std::optional<int64_t> v = whole_number_in(object.at(key), 1, high);
    if (!v) bad(field + "." + key + " must be a whole number from 1 to " + std::to_string(high));
    return static_cast<int>(*v);
}

// A policy entry: its id, or an object of its id and the settings that override its own.
void add_policy(StreamOpen& open, const nlohmann::json& entry, const std::string& field,
                const PolicyLookup& lookup) {
    if (!entry.is_string() && !(entry.is_object() && entry.contains("id") && entry.at("id").is_string()))
        bad(field + " must be a policy id or an object with its id and settings");
    const std::string id = entry.is_string() ? entry.get<std::string>() : entry.at("id").get<std::string>();
    std::shared_ptr<const Policy> policy = lookup(id);  // not_found when unknown
    StreamSettings st = policy->stream;
    if (entry.is_object()) {
        for (const auto& [key, value] : entry.items()) {
            if (key == "id") continue;
            if (key == "check_every_tokens") {
                st.check_every_tokens = whole(entry, field, "check_every_tokens", kMaxStreamCheckTokens);
            } else if (key == "consecutive") {
                st.consecutive = whole(entry, field, "consecutive", kMaxStreamConsecutive);
            } else if (key == "threshold") {
                if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1)
                    bad(field + ".threshold must be a number from 0 to 1");
                st.threshold = value.get<double>();
            } else if (key == "at_sentence_ends") {
                if (!value.is_boolean()) bad(field + ".at_sentence_ends must be true or false");
                st.at_sentence_ends = value.get<bool>();
            } else if (key == "at_close") {
                if (value != "score" && value != "reason") bad(field + ".at_close must be score or reason");
                st.reason_at_close = value == "reason";
            } else {
                bad(field + ": unknown field '" + key +
                    "' (known: id, check_every_tokens, threshold, consecutive, at_sentence_ends, at_close)");
            }
        }
    }
    for (const StreamPolicy& p : open.policies) {
        if (p.policy->id == id) bad("policy '" + id + "' is given twice");
    }
    open.policies.push_back(
        {std::move(policy), st.check_every_tokens, st.threshold, st.consecutive, st.at_sentence_ends});
    open.reason_at_close.push_back(st.reason_at_close);
}

Content parse_context(const nlohmann::json& context) {
    if (context.is_string()) return Content::completion(context.get<std::string>(), "");
    if (!context.is_object()) bad("context must be the prompt (a string), {\"prompt\"} or {\"messages\"}");
    for (const auto& [key, value] : context.items()) {
        if (key != "prompt" && key != "messages")
            bad("context: unknown field '" + key + "' (known: prompt, messages)");
    }
    if (context.contains("prompt") == context.contains("messages"))
        bad("context has exactly one of prompt and messages");
    if (context.contains("prompt")) {
        if (!context.at("prompt").is_string()) bad("context.prompt must be a string");
        return Content::completion(context.at("prompt").get<std::string>(), "");
    }
    Content content;
    try {
        content = content_from_json(context, /*exact=*/true);
    } catch (const ContentError& e) {
        bad(std::string("context: ") + e.what());
    }
    if (content.turns.empty() || content.turns.back().role != "assistant")
        content.turns.push_back({"assistant", ""});
    return content;
}

}  // namespace

StreamOpen parse_stream_open(const nlohmann::json& body, const PolicyLookup& lookup) {
    if (!body.is_object()) bad("the body must be a JSON object");
    for (const auto& [key, value] : body.items()) {
        if (key != "policies" && key != "context")
            bad("unknown field '" + key + "' (known: policies, context)");
    }
    if (!body.contains("policies") || !body.at("policies").is_array() || body.at("policies").empty())
        bad("policies must be a non-empty list of policy ids or {id, settings} objects");
    const nlohmann::json& policies = body.at("policies");
    if (policies.size() > kMaxStreamPolicies)
        bad("a stream has at most " + std::to_string(kMaxStreamPolicies) + " policies");
    StreamOpen open;
    for (size_t i = 0; i < policies.size(); ++i)
        add_policy(open, policies[i], "policies[" + std::to_string(i) + "]", lookup);
    if (!body.contains("context")) bad("context is required: the prompt the response answers");
    open.context = parse_context(body.at("context"));
    return open;
}

std::string parse_stream_append(const nlohmann::json& body) {
    if (!body.is_object() || !body.contains("text") || !body.at("text").is_string() || body.size() != 1)
        bad("the body must be {\"text\": \"...\"}");
    return body.at("text").get<std::string>();
}

}  // namespace arbiter::service
