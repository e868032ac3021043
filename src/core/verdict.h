#pragma once
// The outcome of classifying one content against one policy. A pure value.

#include <optional>
#include <string>
#include <vector>

namespace arbiter {

struct Policy;

enum class VerdictStatus {
    ok,           // the final answer parsed in the policy's output format
    unparseable,  // the model answered, but not in the format; raw_answer keeps what it said
    error,        // no answer (engine failure, input too long, ...); error says why
    timeout,      // no answer before the job's deadline; a fail-open/closed server may fill violation
};

std::string_view to_string(VerdictStatus status);

// Which tier of the cascade decided a verdict; without a cascade the model decides everything.
enum class Tier { model, rules, fast };

std::string_view to_string(Tier tier);

struct Usage {
    int prompt_tokens = 0;      // tokens of the whole prompt
    int cached_tokens = 0;      // of those, taken from a cached policy prefix
    int completion_tokens = 0;  // reasoning and answer tokens generated
};

struct Verdict {
    std::string policy_id;
    int policy_version = 0;
    VerdictStatus status = VerdictStatus::error;
    std::optional<bool> violation;  // empty unless status is ok
    std::optional<std::string> category;
    std::vector<std::string> rule_ids;      // the model's, or the cascade rules that fired
    std::optional<std::string> confidence;  // as the model said it: low, medium, high
    std::optional<double> probability;      // score mode only: P(violation)
    Tier tier = Tier::model;
    std::optional<double> fast_probability;  // the fast tier's P(violation), when it ran
    std::string rationale;                   // the model's reasoning (analysis channel)
    std::string answer_rationale;            // the rationale field of a json_rationale answer
    std::string raw_answer;                  // the final channel as generated
    std::string error;
    Usage usage;
    double latency_ms = 0;
};

// A verdict of `policy` (its id and version) with nothing decided yet: status error until an
// engine fills it. Every verdict starts here.
Verdict verdict_for(const Policy& policy);

}  // namespace arbiter
