#pragma once
// A policy file's `dsa:` front matter (core/dsa.h), read strictly: an unknown key, a value of the
// wrong shape or one the Transparency Database would refuse is a PolicyError at its line.
//
//   dsa:
//     decision_ground: DECISION_GROUND_INCOMPATIBLE_CONTENT   # or DECISION_GROUND_ILLEGAL_CONTENT
//     ground: "Terms of service, section 4 (scams)"          # the contractual or legal ground
//     explanation: "Content that tricks people out of money is not allowed."
//     reference_url: https://example.com/terms#4             # optional
//     category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD
//     categories: {SP4: STATEMENT_CATEGORY_CONSUMER_INFORMATION}  # optional, per verdict category
//     decision_visibility: [DECISION_VISIBILITY_CONTENT_REMOVED]
//     content_type: [CONTENT_TYPE_TEXT]                      # optional, this by default
//     source_type: SOURCE_VOLUNTARY                          # optional, this by default

#include <yaml-cpp/yaml.h>

#include <string>

#include "core/dsa.h"

namespace arbiter {

// `map` is the value of `dsa:`; `base` is the file line of the front matter's first line and
// `line` that of the `dsa:` key.
DsaMapping parse_dsa_front_matter(const YAML::Node& map, const std::string& source, int base, int line);

}  // namespace arbiter
