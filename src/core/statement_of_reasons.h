#pragma once
// A statement of reasons for the EU's DSA Transparency Database, in the JSON its API takes (POST
// /api/v1/statement, API v2: see core/dsa.h for the documentation and commits it follows), made
// from one logged decision and the DSA mapping of the policy that judged it. A pure function.
//
// What arbiter cannot know is left out for the platform to add before it submits: content_date
// (required by the database: when the content was posted), territorial_scope, content_language,
// account_type, the end dates of restrictions, decision_monetary/provision/account, content_id,
// category_specification and source_identity.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/dsa.h"

namespace arbiter {

// What a statement says about one decision.
struct DecisionFacts {
    int64_t decision_id = 0;
    std::string created_at;      // when it was made, ISO 8601 UTC (the log's created_at)
    std::string content_sha256;  // of the content judged
    std::string policy_id;
    int policy_version = 0;
    std::string policy_title = {};
    std::optional<std::string> category = {};  // the verdict's category (the model's policy_category)
    std::string tier = "model";                // which cascade tier decided: model, rules or fast
    std::vector<std::string> rule_ids = {};
    std::string rationale = {};  // the model's
    bool reviewed = false;       // a person's label confirmed it a violation
};

// The platform-unique id of `facts`' statement: "arbiter-<decision id>-<hash prefix>", letters,
// digits and hyphens only, as the database asks.
std::string statement_puid(const DecisionFacts& facts);

// The first `limit` characters of UTF-8 `text`, never cutting a character in two.
std::string utf8_prefix(const std::string& text, size_t limit);

// The statement for a decision that found a violation. `dsa` must be valid (dsa_mapping_error).
nlohmann::ordered_json statement_of_reasons(const DecisionFacts& facts, const DsaMapping& dsa);

}  // namespace arbiter
