#pragma once
// Two prediction files on the same items (say, two versions of a policy): which verdicts flipped,
// with both rationales, and how each metric moved, with McNemar's test of the difference.

#include <nlohmann/json.hpp>
#include <vector>

#include "eval/predictions.h"

namespace arbiter::eval {

// Compares the (id, policy) pairs present in both runs whose verdicts parsed.
nlohmann::ordered_json compare(const std::vector<Prediction>& before, const std::vector<Prediction>& after);

}  // namespace arbiter::eval
