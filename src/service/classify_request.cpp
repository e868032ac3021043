#include "service/classify_request.h"

#include <set>

#include "core/content_json.h"
#include "core/json_input.h"
#include "core/policy_json.h"
#include "core/service_error.h"

namespace arbiter::service {

namespace {

constexpr int kMaxPoliciesPerRequest = 32;
constexpr int kMaxReasoningTokens = 65536;

[[noreturn]] void bad(const std::string& message) {
    throw ServiceError(Refusal::invalid, message);
}

std::string dump(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string item_id(const nlohmann::json& item, const std::string& field, const std::string& fallback) {
    if (!item.contains("id")) return fallback;
    const nlohmann::json& id = item.at("id");
    if (id.is_string()) return id.get<std::string>();
    if (id.is_number_unsigned()) return std::to_string(id.get<uint64_t>());  // 2^64-1 fits, as itself
    if (id.is_number_integer()) return std::to_string(id.get<int64_t>());
    bad(field + ".id must be a string or an integer");
}

}  // namespace

ClassifyItem parse_item_content(const nlohmann::json& content, const std::string& field) {
    ClassifyItem item;
    try {
        if (content.is_string()) {
            item.content = Content::message(content.get<std::string>());
        } else if (content.is_object()) {
            item.content = content_from_json(content, /*exact=*/true);
        } else {
            bad(field + " must be a string or an object with text, prompt and response, or messages");
        }
    } catch (const ContentError& e) {
        bad(field + ": " + e.what());
    }
    // The log keeps what was judged, rebuilt from the parsed content, not the client's JSON.
    item.content_json = dump(content_to_json(item.content));
    return item;
}

RunSettings parse_run_settings(const nlohmann::json& body) {
    RunSettings settings;
    if (body.contains("mode")) {
        const nlohmann::json& mode = body.at("mode");
        const std::optional<Mode> parsed =
            mode.is_string() ? parse_mode(mode.get<std::string>()) : std::nullopt;
        if (!parsed) bad("mode must be reason or score");
        settings.mode = *parsed;
    }
    if (body.contains("effort")) {
        const nlohmann::json& effort = body.at("effort");
        if (effort.is_string()) settings.effort = parse_reasoning_effort(effort.get<std::string>());
        if (!settings.effort) bad("effort must be low, medium or high");
    }
    if (body.contains("max_reasoning_tokens")) {
        const std::optional<int64_t> n =
            whole_number_in(body.at("max_reasoning_tokens"), 1, kMaxReasoningTokens);
        if (!n)
            bad("max_reasoning_tokens must be a whole number from 1 to " +
                std::to_string(kMaxReasoningTokens));
        settings.max_reasoning_tokens = static_cast<int>(*n);
    }
    return settings;
}

ClassifyRequest parse_classify_request(const nlohmann::json& body, size_t max_items) {
    if (!body.is_object()) bad("the body must be a JSON object");
    static const std::set<std::string> known = {
        "policies", "content", "id", "items", "mode", "effort", "max_reasoning_tokens"};
    for (const auto& [key, value] : body.items()) {
        if (!known.contains(key))
            bad("unknown field '" + key +
                "' (known: policies, content, id, items, mode, effort, max_reasoning_tokens)");
    }
    ClassifyRequest request;

    if (!body.contains("policies") || !body.at("policies").is_array() || body.at("policies").empty())
        bad("policies must be a non-empty list of policy ids or inline policies");
    const nlohmann::json& policies = body.at("policies");
    if (policies.size() > kMaxPoliciesPerRequest)
        bad("at most " + std::to_string(kMaxPoliciesPerRequest) + " policies per request");
    std::set<std::string> ids;
    for (size_t i = 0; i < policies.size(); ++i) {
        const nlohmann::json& p = policies[i];
        PolicyRef ref;
        if (p.is_string()) {
            ref.id = p.get<std::string>();
        } else if (p.is_object()) {
            try {
                ref.inline_policy = std::make_shared<const Policy>(policy_from_json(p));
            } catch (const PolicyError& e) {
                bad("policies[" + std::to_string(i) + "]: " + e.what());
            }
            ref.id = ref.inline_policy->id;
        } else {
            bad("policies[" + std::to_string(i) + "] must be a policy id or a policy object");
        }
        if (!ids.insert(ref.id).second) bad("policy '" + ref.id + "' is given twice");
        request.policies.push_back(std::move(ref));
    }

    const bool single = body.contains("content");
    request.batch = body.contains("items");
    if (single == request.batch) bad("give either content (one item) or items (a batch)");
    if (single) {
        if (body.contains("id") && !body.at("id").is_string() && !body.at("id").is_number_integer())
            bad("id must be a string or an integer");
        ClassifyItem item = parse_item_content(body.at("content"), "content");
        item.id = item_id(body, "request", "1");
        request.items.push_back(std::move(item));
    } else {
        if (body.contains("id")) bad("id belongs to each item in a batch");
        const nlohmann::json& items = body.at("items");
        if (!items.is_array() || items.empty()) bad("items must be a non-empty list");
        if (items.size() > max_items)
            throw ServiceError(Refusal::too_large, "a batch holds at most " + std::to_string(max_items) +
                                                       " items, not " + std::to_string(items.size()));
        for (size_t i = 0; i < items.size(); ++i) {
            const std::string field = "items[" + std::to_string(i) + "]";
            const nlohmann::json& it = items[i];
            if (!it.is_object() || !it.contains("content")) bad(field + " must be an object with content");
            for (const auto& [key, value] : it.items()) {
                if (key != "id" && key != "content")
                    bad(field + ": unknown field '" + key + "' (known: id, content)");
            }
            ClassifyItem item = parse_item_content(it.at("content"), field + ".content");
            item.id = item_id(it, field, std::to_string(i + 1));
            request.items.push_back(std::move(item));
        }
    }

    const RunSettings settings = parse_run_settings(body);
    request.mode = settings.mode;
    request.effort = settings.effort;
    request.max_reasoning_tokens = settings.max_reasoning_tokens;
    return request;
}

}  // namespace arbiter::service
