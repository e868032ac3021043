#include "compat/moderation.h"

#include <algorithm>

#include "core/service_error.h"
#include "core/verdict_json.h"

namespace arbiter::service {

namespace {

[[noreturn]] void bad(const std::string& message) {
    throw ServiceError(Refusal::invalid, message);
}

// A multi-part input is one item: its text parts, one paragraph each.
std::string text_parts(const nlohmann::json& parts) {
    std::string text;
    for (size_t i = 0; i < parts.size(); ++i) {
        const nlohmann::json& part = parts[i];
        const std::string field = "input[" + std::to_string(i) + "]";
        if (!part.is_object() || !part.contains("type")) bad(field + " must be an object with a type");
        if (!part.at("type").is_string() || part.at("type") != "text")
            bad(field + ".type: only text inputs are supported (\"type\": \"text\")");
        if (!part.contains("text") || !part.at("text").is_string()) bad(field + ".text must be a string");
        for (const auto& [key, value] : part.items()) {
            if (key != "type" && key != "text")
                bad(field + ": unknown field '" + key + "' (known: type, text)");
        }
        if (!text.empty()) text += "\n\n";
        text += part.at("text").get<std::string>();
    }
    return text;
}

}  // namespace

ModerationRequest parse_moderation_request(const nlohmann::json& body, size_t max_items) {
    if (!body.is_object()) bad("the body must be a JSON object");
    for (const auto& [key, value] : body.items()) {
        if (key != "input" && key != "model") bad("unknown field '" + key + "' (known: input, model)");
    }
    ModerationRequest request;
    if (body.contains("model") && !body.at("model").is_null()) {
        if (!body.at("model").is_string()) bad("model must be a string naming a policy set");
        request.model = body.at("model").get<std::string>();
    }
    if (!body.contains("input")) bad("input is required");
    const nlohmann::json& input = body.at("input");
    if (input.is_string()) {
        request.inputs.push_back(parse_item_content(input, "input"));
    } else if (input.is_array() && !input.empty() && input.front().is_object()) {
        request.inputs.push_back(parse_item_content(nlohmann::json(text_parts(input)), "input"));
    } else if (input.is_array() && !input.empty()) {
        if (input.size() > max_items)
            throw ServiceError(Refusal::too_large, "at most " + std::to_string(max_items) +
                                                       " inputs per request, not " +
                                                       std::to_string(input.size()));
        for (size_t i = 0; i < input.size(); ++i) {
            if (!input[i].is_string()) bad("input[" + std::to_string(i) + "] must be a string");
            request.inputs.push_back(parse_item_content(input[i], "input[" + std::to_string(i) + "]"));
        }
    } else {
        bad("input must be a string, a non-empty list of strings, or a list of {\"type\": \"text\"} parts");
    }
    for (size_t i = 0; i < request.inputs.size(); ++i) request.inputs[i].id = std::to_string(i);
    return request;
}

nlohmann::ordered_json moderation_response(const std::string& id, const std::string& model,
                                           const PolicySet& set,
                                           const std::vector<std::vector<Verdict>>& verdicts) {
    nlohmann::ordered_json results = nlohmann::ordered_json::array();
    for (size_t i = 0; i < verdicts.size(); ++i) {
        nlohmann::ordered_json categories = nlohmann::ordered_json::object();
        nlohmann::ordered_json scores = nlohmann::ordered_json::object();
        nlohmann::ordered_json applied = nlohmann::ordered_json::object();
        nlohmann::ordered_json details = nlohmann::ordered_json::array();
        bool flagged = false;
        for (const Verdict& v : verdicts[i]) {
            // Score mode answers with a probability; reason mode with a decision, scored 0 or 1.
            const double score = v.probability ? *v.probability : (v.violation.value_or(false) ? 1.0 : 0.0);
            const bool hit = v.probability && v.status == VerdictStatus::ok ? score >= set.threshold
                                                                            : v.violation.value_or(false);
            const auto mapped = set.categories.find(v.policy_id);
            const std::vector<std::string> keys =
                mapped != set.categories.end() ? mapped->second : std::vector<std::string>{v.policy_id};
            for (const std::string& key : keys) {
                // Two policies under one key (possible only where a set serves every policy and one
                // policy's id is another's key): the key flags when either does.
                if (categories.contains(key)) {
                    categories[key] = categories[key].get<bool>() || hit;
                    scores[key] = std::max(scores[key].get<double>(), score);
                    continue;
                }
                categories[key] = hit;
                scores[key] = score;
                applied[key] = nlohmann::ordered_json::array({"text"});
            }
            details.push_back(verdict_to_json(std::to_string(i), v));
            flagged = flagged || hit;
        }
        results.push_back({{"flagged", flagged},
                           {"categories", categories},
                           {"category_scores", scores},
                           {"category_applied_input_types", applied},
                           {"verdicts", details}});
    }
    return {{"id", id}, {"model", model}, {"results", results}};
}

}  // namespace arbiter::service
