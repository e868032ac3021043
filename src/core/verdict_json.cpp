#include "core/verdict_json.h"

namespace arbiter {

nlohmann::ordered_json verdict_to_json(const std::string& item_id, const Verdict& v) {
    using nlohmann::ordered_json;
    const auto optional_string = [](const std::optional<std::string>& s) -> ordered_json {
        return s ? ordered_json(*s) : ordered_json(nullptr);
    };
    ordered_json j;
    j["id"] = item_id;
    j["policy"] = v.policy_id;
    j["policy_version"] = v.policy_version;
    j["violation"] = v.violation ? ordered_json(*v.violation) : ordered_json(nullptr);
    j["category"] = optional_string(v.category);
    j["rule_ids"] = v.rule_ids;
    j["confidence"] = optional_string(v.confidence);
    j["probability"] = v.probability ? ordered_json(*v.probability) : ordered_json(nullptr);
    j["tier"] = std::string(to_string(v.tier));
    if (v.fast_probability) j["fast_probability"] = *v.fast_probability;
    // The model's reasoning; a json_rationale answer's own rationale when there was none.
    j["rationale"] = v.rationale.empty() ? v.answer_rationale : v.rationale;
    j["status"] = std::string(to_string(v.status));
    j["error"] = v.error.empty() ? ordered_json(nullptr) : ordered_json(v.error);
    if (v.status != VerdictStatus::ok && !v.raw_answer.empty()) j["raw_answer"] = v.raw_answer;
    j["usage"] = {{"prompt_tokens", v.usage.prompt_tokens},
                  {"cached_tokens", v.usage.cached_tokens},
                  {"completion_tokens", v.usage.completion_tokens}};
    j["latency_ms"] = v.latency_ms;
    return j;
}

std::string to_json_line(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace arbiter
