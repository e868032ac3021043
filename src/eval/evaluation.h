#pragma once
// Metrics for a set of predictions, per policy and across policies, as metrics.json holds them.

#include <nlohmann/json.hpp>
#include <vector>

#include "eval/predictions.h"

namespace arbiter::eval {

// Per policy: counts, the confusion matrix and rates with 95% bootstrap intervals (items whose
// gold is known and whose verdict parsed), unparseable and error rates, and with probabilities
// ROC-AUC, PR-AUC (average precision), the threshold sweep and the best-F1 threshold. Across
// policies: multi-policy accuracy (an item counts only when every policy's verdict matches) and
// cost per item.
//
// For a cascade's predictions also: per policy and overall, each tier's share of the traffic;
// per policy, the fast tier's ranking quality and the safe_below that keeps `target_recall`;
// overall, the cascade's cost against reasoning on every item, estimated from the items that
// were reasoned.
nlohmann::ordered_json evaluate(const std::vector<Prediction>& predictions, int bootstrap = 1000,
                                double target_recall = 0.95);

}  // namespace arbiter::eval
