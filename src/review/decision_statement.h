#pragma once
// A logged decision's statement of reasons for the DSA Transparency Database
// (core/statement_of_reasons.h), from its row, the policy that judged it and its reviews: what GET
// /v1/decisions/{id}/statement-of-reasons answers and `arbiter export statements` writes.

#include <nlohmann/json.hpp>
#include <vector>

#include "core/policy.h"
#include "storage/review_log.h"

namespace arbiter::service {

// Whether logged decision `row` (DecisionLog::row's), with its `reviews` (oldest first), restricted
// content: a live verdict that found a violation, unless the latest person's label found none.
bool restricts(const nlohmann::ordered_json& row, const std::vector<storage::Review>& reviews);

// `row` is DecisionLog::row's; `judged` the stored version that judged it (null when there is
// none); `current` the policy's current version (null when deleted), whose `dsa:` serves where
// the judging version had none, so that a mapping added later covers earlier decisions; `reviews`
// the decision's, oldest first. The latest person's label, where there is one, decides whether
// the content is a violation. Throws ServiceError: conflict for a decision that restricts nothing
// (no violation, a shadow verdict) or has no mapping to state it with, not_found for a policy
// version that is not stored (an inline policy's).
nlohmann::ordered_json decision_statement(const nlohmann::ordered_json& row, const Policy* judged,
                                          const Policy* current, const std::vector<storage::Review>& reviews);

}  // namespace arbiter::service
