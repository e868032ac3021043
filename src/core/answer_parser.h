#pragma once
// Reads the model's final answer in the format the policy asked for. Strict: anything that is
// not clearly that format is `unparseable` (with the reason), never a guessed verdict.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"
#include "core/verdict.h"

namespace arbiter {

struct Answer {
    bool parsed = false;
    std::string problem;  // why it did not parse, for the verdict's error field
    bool violation = false;
    std::optional<std::string> category;
    std::vector<std::string> rule_ids;
    std::optional<std::string> confidence;
    std::string rationale;
};

// Whitespace around the answer and a Markdown code fence (```json ... ```) are tolerated; invalid
// UTF-8 inside JSON strings becomes U+FFFD (it cannot change a verdict field).
Answer parse_answer(std::string_view text, OutputFormat format);

// Whether `text` is as long as an answer in `format` gets: one character for binary, a closed
// top-level object for JSON. A generator stops there, whether or not the answer then parses.
bool answer_closed(std::string_view text, OutputFormat format);

// Puts the answer into the verdict, as every backend reports it: status ok with the answer's
// fields, or unparseable with the reason.
void record_answer(const Answer& answer, Verdict& verdict);

}  // namespace arbiter
