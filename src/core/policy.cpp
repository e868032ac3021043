#include "core/policy.h"

#include <algorithm>

namespace arbiter {

std::string_view to_string(OutputFormat format) {
    switch (format) {
    case OutputFormat::binary:
        return "binary";
    case OutputFormat::json:
        return "json";
    case OutputFormat::json_rationale:
        return "json_rationale";
    }
    return "binary";
}

std::string_view to_string(ReasoningEffort effort) {
    switch (effort) {
    case ReasoningEffort::low:
        return "low";
    case ReasoningEffort::medium:
        return "medium";
    case ReasoningEffort::high:
        return "high";
    }
    return "medium";
}

std::optional<OutputFormat> parse_output_format(std::string_view name) {
    if (name == "binary") return OutputFormat::binary;
    if (name == "json") return OutputFormat::json;
    if (name == "json_rationale") return OutputFormat::json_rationale;
    return std::nullopt;
}

std::optional<ReasoningEffort> parse_reasoning_effort(std::string_view name) {
    if (name == "low") return ReasoningEffort::low;
    if (name == "medium") return ReasoningEffort::medium;
    if (name == "high") return ReasoningEffort::high;
    return std::nullopt;
}

bool valid_policy_id(std::string_view id) {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_' || c == '.';
    });
}

std::string_view to_string(RuleAction action) {
    switch (action) {
    case RuleAction::violate:
        return "violate";
    case RuleAction::safe:
        return "safe";
    case RuleAction::escalate:
        return "escalate";
    }
    return "violate";
}

std::optional<RuleAction> parse_rule_action(std::string_view name) {
    if (name == "violate") return RuleAction::violate;
    if (name == "safe") return RuleAction::safe;
    if (name == "escalate") return RuleAction::escalate;
    return std::nullopt;
}

}  // namespace arbiter
