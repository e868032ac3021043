#pragma once
// A policy: plain-language rules the model applies, with the metadata arbiter needs to run it.
// A pure value; reading policy files lives in policy_file.h.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dsa.h"

namespace arbiter {

// The final-answer format the policy asks the model for (OpenAI's guide names these three).
enum class OutputFormat {
    binary,          // exactly 0 or 1
    json,            // {"violation": 0|1, "policy_category": "..."|null}
    json_rationale,  // json plus rule_ids, confidence and rationale
};

enum class ReasoningEffort { low, medium, high };

// What a matching deterministic rule does with an item (the cascade's first tier).
enum class RuleAction {
    violate,   // a violation, without asking the model
    safe,      // safe, without asking the model (an allowlist entry)
    escalate,  // skip the fast tier: the model decides
};

std::string_view to_string(OutputFormat format);
std::string_view to_string(ReasoningEffort effort);
// nullopt for an unknown name.
std::optional<OutputFormat> parse_output_format(std::string_view name);
std::optional<ReasoningEffort> parse_reasoning_effort(std::string_view name);
// 1-64 letters, digits, '-', '_' or '.': safe in file names, URLs and metric labels.
bool valid_policy_id(std::string_view id);
std::string_view to_string(RuleAction action);
std::optional<RuleAction> parse_rule_action(std::string_view name);

// A deterministic rule: a literal phrase or a regular expression, matched against normalised
// text (see cascade/normalize.h for what a literal also catches).
struct Rule {
    std::string id;
    bool regex = false;  // false: a literal phrase
    std::string pattern;
    RuleAction action = RuleAction::violate;
    int line = 0;  // where the policy file declares it, for errors (0: unknown)
};

// How the cascade routes this policy's items (see cascade/cascade_backend.h).
struct CascadeSettings {
    bool fast = false;  // a trained fast classifier screens items before the model
    // Fast-tier P(violation) below safe_below: safe; above violate_above: a violation; in
    // between: the model.
    double safe_below = 0.05;
    double violate_above = 0.95;
    bool reason_violations = false;  // fast-tier violations still go to the model, for a rationale
    // The model scores first; a score in [reason_low, reason_high] is uncertain and reasoned.
    double reason_low = 0.2;
    double reason_high = 0.8;
};

// How a stream of growing text is judged under this policy (core/stream.h); a request may
// override each setting.
inline constexpr int kMaxStreamCheckTokens = 1 << 20;
inline constexpr int kMaxStreamConsecutive = 1000;

struct StreamSettings {
    int check_every_tokens = 16;    // a check once this many response tokens arrived
    double threshold = 0.5;         // a check at or above it counts towards a flag
    int consecutive = 1;            // checks in a row at or above the threshold that flag
    bool reason_at_close = false;   // at close, also judge the whole text in reason mode (a rationale)
    bool at_sentence_ends = false;  // also check after an append that ends a sentence
};

// Which parts of an agent's conversation the policy judges, where arbiter chooses what to judge
// (the gateway's stages): the text of its turns, tool calls (all, or only those of `tools`), and
// what tools returned. A policy runs at a stage only where the stage has a part it judges.
struct JudgedParts {
    bool text = true;
    bool tool_calls = true;
    std::vector<std::string> tools;  // with tool_calls: only calls of these tools (empty: any)
    bool tool_results = true;

    bool judges_call(std::string_view name) const {
        return tool_calls && (tools.empty() || std::find(tools.begin(), tools.end(), name) != tools.end());
    }
};

struct Policy {
    std::string id;   // stable name, e.g. "spam"; verdicts carry it
    int version = 1;  // bumped on every change, so verdicts say which text judged them
    std::string title;
    std::vector<std::string> labels;  // category codes the policy defines, e.g. SP2
    OutputFormat output = OutputFormat::binary;
    ReasoningEffort effort = ReasoningEffort::medium;
    std::string text;  // sent to the model verbatim, under "# Instructions"
    std::vector<Rule> rules;
    CascadeSettings cascade;
    StreamSettings stream;
    JudgedParts judges;
    std::optional<DsaMapping> dsa = {};  // what its statements of reasons say (core/dsa.h)
    std::string source;  // the file it was read from (names errors; the fast model lies beside it)
};

}  // namespace arbiter
