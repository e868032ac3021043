#pragma once
// Training examples distilled from the model's own verdicts in arbiter's decision log (the
// SQLite database `arbiter serve` writes; table `decisions`): rows for the policy id whose
// status is ok, whose verdict says violation 0 or 1, and whose content was stored. Verdicts the
// cascade's rules or fast tier decided (the verdict JSON's "tier") are left out: the fast tier
// would learn its own guesses back.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "cascade/fast_classifier.h"

namespace arbiter::cascade {

class DecisionLogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct DistilledExamples {
    std::vector<Example> examples;
    size_t skipped = 0;  // rows whose content could not be read back
};

// Throws DecisionLogError when the file is missing or not a decision log.
DistilledExamples read_decision_log(const std::filesystem::path& db, const std::string& policy_id);

}  // namespace arbiter::cascade
