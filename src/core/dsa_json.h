#pragma once
// A policy's DSA mapping (core/dsa.h) in the JSON of PUT /v1/policies and the policy store: the
// same keys as the `dsa:` front matter.

#include <nlohmann/json.hpp>

#include "core/dsa.h"

namespace arbiter {

nlohmann::ordered_json dsa_to_json(const DsaMapping& dsa);
// Throws PolicyError naming the field when `object` is not a mapping the database would accept.
DsaMapping dsa_from_json(const nlohmann::json& object);

}  // namespace arbiter
