#pragma once
// Thresholds for the fast tier that keep their promise. safe_below is chosen so that, on
// out-of-fold predictions (cross_validation.h), a one-sided Clopper-Pearson lower confidence
// bound on the recall kept (violations scoring at or above it) reaches the target; violate_above
// so that the same bound on the precision of what scores above it does. A point estimate chosen
// on a few dozen violations keeps far less than it promises on new data; the bound pays for that
// uncertainty with a lower safe_below, and says when there are too few violations to promise the
// target at all (then nothing is fast-safe).

#include <cstddef>
#include <vector>

namespace arbiter::cascade {

// The one-sided Clopper-Pearson lower bound, at `confidence`, of a proportion seen as k of n.
double proportion_lower_bound(size_t k, size_t n, double confidence);

struct ThresholdChoice {
    double safe_below = 0;     // 0: nothing is fast-safe (the target cannot be promised)
    double violate_above = 1;  // 1: nothing is a fast violation
    bool recall_reachable = false;
    bool precision_reachable = false;
    // On the items the choice was made from:
    size_t items = 0, violations = 0;
    double recall_kept = 1, recall_bound = 0;         // violations at or above safe_below
    double precision_above = 0, precision_bound = 0;  // of the items above violate_above
    double share_safe = 0, share_violation = 0;       // decided alone by the fast tier
};

// From gold labels and scores (out-of-fold P(violation)).
ThresholdChoice choose_thresholds(const std::vector<bool>& gold, const std::vector<double>& scores,
                                  double target_recall, double target_precision, double confidence);

}  // namespace arbiter::cascade
