#pragma once
// Out-of-fold predictions of the fast tier's training procedure: what a stored model's scores
// look like on items it was not trained on, from which its thresholds are chosen (thresholds.h)
// and its quality is reported. Folds are stratified (violations and safe items each shuffled and
// dealt round-robin), so that a rare class is in every fold.

#include <cstdint>
#include <vector>

#include "cascade/fast_classifier.h"

namespace arbiter::cascade {

// The fold (0 .. folds-1) of each example.
std::vector<int> stratified_folds(const std::vector<Example>& examples, int folds, uint64_t seed);

// P(violation) of each example from a model trained, with `options`, on the other folds.
// Throws FastModelError (e.g. a fold whose training part has one class only).
std::vector<double> out_of_fold_probabilities(const std::vector<Example>& examples,
                                              const std::vector<int>& fold, const TrainOptions& options);

}  // namespace arbiter::cascade
