#pragma once
// Metrics for a set of predictions, per policy and across policies, as metrics.json holds them.

#include <map>
#include <nlohmann/json.hpp>
#include <string>
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
// per policy, the fast tier's ranking quality (ROC-AUC, PR-AUC), the safe_below that keeps
// `target_recall` on these items, and for the thresholds the policy is configured with (when
// given) the recall they keep and the share they decide; overall, the cascade's cost against
// reasoning on every item, estimated from the items that were reasoned.
//
// The policy-level ROC-AUC, PR-AUC and sweep use only the model's probabilities (items the model
// scored): a curve over the fast tier's and the model's probabilities together would rank items
// on two scales at once and belong to neither.
struct FastThresholds {
    double safe_below = 0;
    double violate_above = 1;
};

nlohmann::ordered_json evaluate(const std::vector<Prediction>& predictions, int bootstrap = 1000,
                                double target_recall = 0.95,
                                const std::map<std::string, FastThresholds>& configured = {});

}  // namespace arbiter::eval
