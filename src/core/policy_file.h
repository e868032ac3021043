#pragma once
// Policy files: Markdown whose body is the policy text, with optional YAML front matter:
//
//   ---
//   id: spam              # default: the file name without .md
//   version: 3            # default: 1
//   title: Spam
//   labels: [SP0, SP2, SP3]
//   output: json          # binary | json | json_rationale (default binary)
//   effort: low           # low | medium | high (default medium)
//   rules:                # optional: the cascade's deterministic first tier
//     - {id: pills, literal: "cheap pills", action: violate}   # violate | safe | escalate
//     - {id: greeting, regex: "^(hi|hello)[.!]?$", action: safe}
//   cascade:              # optional: how the cascade routes this policy's items
//     fast: true          # screen with the trained fast classifier (arbiter train)
//     safe_below: 0.05    # fast P(violation) below this: safe
//     violate_above: 0.95 # above this: violation
//     reason_violations: false  # still send fast-tier violations to the model, for a rationale
//     reason_band: [0.2, 0.8]   # the model's score in this band: reason mode
//   ---
//   # Spam policy
//   ...
//
// Blank lines at the start and end of the body are dropped; the rest is sent verbatim.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"

namespace arbiter {

// A policy that cannot be used; what() reads "FILE:LINE: reason".
class PolicyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Largest policy file accepted. OpenAI's guide: policies work up to about 10,000 tokens.
inline constexpr size_t kMaxPolicyBytes = size_t{256} * 1024;
inline constexpr size_t kMaxRulesPerPolicy = 10000;
inline constexpr size_t kMaxRulePatternBytes = 4096;

// Parses policy text; `source` names it in errors and gives the default id (its stem).
Policy parse_policy(std::string_view text, const std::string& source);

// Whether the front matter of `text`, a policy file, names its version.
bool states_version(std::string_view text);

// Reads one policy file.
Policy load_policy_file(const std::filesystem::path& path);

// A file, or a folder of *.md policy files (a policy set, sorted by file name). Ids must be
// unique across the set.
std::vector<Policy> load_policies(const std::filesystem::path& file_or_dir);

// The line (1-based) of the body's first line within the file, for messages about the body.
int body_first_line(std::string_view text);

}  // namespace arbiter
