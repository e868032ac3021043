#pragma once
// A policy: plain-language rules the model applies, with the metadata arbiter needs to run it.
// A pure value; reading policy files lives in policy_file.h.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter {

// The final-answer format the policy asks the model for (OpenAI's guide names these three).
enum class OutputFormat {
    binary,          // exactly 0 or 1
    json,            // {"violation": 0|1, "policy_category": "..."|null}
    json_rationale,  // json plus rule_ids, confidence and rationale
};

enum class ReasoningEffort { low, medium, high };

std::string_view to_string(OutputFormat format);
std::string_view to_string(ReasoningEffort effort);
// nullopt for an unknown name.
std::optional<OutputFormat> parse_output_format(std::string_view name);
std::optional<ReasoningEffort> parse_reasoning_effort(std::string_view name);
// 1-64 letters, digits, '-', '_' or '.': safe in file names, URLs and metric labels.
bool valid_policy_id(std::string_view id);

struct Policy {
    std::string id;   // stable name, e.g. "spam"; verdicts carry it
    int version = 1;  // bumped on every change, so verdicts say which text judged them
    std::string title;
    std::vector<std::string> labels;  // category codes the policy defines, e.g. SP2
    OutputFormat output = OutputFormat::binary;
    ReasoningEffort effort = ReasoningEffort::medium;
    std::string text;  // sent to the model verbatim, under "# Instructions"
};

}  // namespace arbiter
