#pragma once
// Reviews and logged decisions as the review endpoints show them (docs/review-api.md).

#include <nlohmann/json.hpp>
#include <optional>

#include "storage/review_log.h"

namespace arbiter::service {

// The verdict's violation in a decision row (DecisionLog::row); nullopt when it has none.
std::optional<bool> logged_violation(const nlohmann::ordered_json& row);

// A review, with whether it agrees with `model` (the decision's verdict) where that is known.
nlohmann::ordered_json review_json(const storage::Review& review, const std::optional<bool>& model);

}  // namespace arbiter::service
