#pragma once
// The JSON form of a verdict, one object per (item, policy), as `arbiter classify` prints it and
// the HTTP API returns it. Invalid UTF-8 in model output becomes U+FFFD when dumped.

#include <nlohmann/json.hpp>
#include <string>

#include "core/verdict.h"

namespace arbiter {

nlohmann::ordered_json verdict_to_json(const std::string& item_id, const Verdict& verdict);

// Serialises one JSON line, replacing invalid UTF-8 rather than failing.
std::string to_json_line(const nlohmann::ordered_json& value);

}  // namespace arbiter
