#pragma once
// Policies as JSON, as the HTTP API carries them:
//   {"id", "version", "title", "labels": [...], "output", "effort", "text",
//    "rules": [{"id", "literal" | "regex", "action"}],
//    "cascade": {"fast", "safe_below", "violate_above", "reason_violations", "reason_band": [lo, hi]},
//    "stream": {"check_every_tokens", "threshold", "consecutive", "at_close": "score" | "reason"}}
// Only "text" is required (and "id" where the caller gives no default); anything unknown or of
// the wrong type is a PolicyError naming the field.

#include <nlohmann/json.hpp>
#include <string>

#include "core/policy.h"
#include "core/policy_file.h"

namespace arbiter {

// `id`, when not empty, is used where the object has no "id" (and must match it if it has).
Policy policy_from_json(const nlohmann::json& object, const std::string& id = "");

nlohmann::ordered_json policy_to_json(const Policy& policy);

}  // namespace arbiter
