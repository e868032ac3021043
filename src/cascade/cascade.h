#pragma once
// Which policies go through the cascade's cheap tiers, and those tiers per policy: its rules
// compiled (rule_set.h) and its fast model loaded (fast_classifier.h).
//
// The tiers belong to a policy's text, not to the moment a server started: a version stored over
// the API, promoted from a run or set as a shadow, a run's draft and an inline policy get theirs
// the first time a job brings them, and keep them for as long as that text is in use. A policy
// goes through the cascade when it declares rules or a fast tier, when its id was among the
// policies the cascade was started with (every version of a policy is judged the same way), or
// always when the cascade was started for every policy (`--cascade on`).

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cascade/fast_classifier.h"
#include "cascade/rule_set.h"
#include "core/policy.h"

namespace arbiter::cascade {

// One policy's cheap tiers.
struct PolicyTiers {
    std::unique_ptr<RuleSet> rules;
    // Null when the policy declares none, or when its model is missing or was trained for another
    // text (a version stored after the start): the model then judges what the fast tier would have.
    std::shared_ptr<const FastClassifier> fast;
    // Why the rules could not be compiled (a regex Hyperscan rejects, in a policy nobody checked
    // before it arrived): its jobs are answered with this error, never judged without its rules.
    std::string error;
};

class Cascade {
public:
    // Builds the tiers of `policies` now, so that a bad rule or a missing fast model stops a start
    // rather than a request: throws PolicyError, FastModelError. `every`: all policies go through
    // the cascade, whatever they declare.
    explicit Cascade(const std::vector<std::shared_ptr<const Policy>>& policies, bool every = false);
    // With fast models given directly (tests, benchmarks): policy id -> model, used for every version.
    Cascade(const std::vector<std::shared_ptr<const Policy>>& policies,
            std::map<std::string, std::shared_ptr<const FastClassifier>> models);

    // The tiers `policy` goes through, built on first use; null when it goes straight to the
    // model. Any thread.
    std::shared_ptr<const PolicyTiers> tiers(const std::shared_ptr<const Policy>& policy) const;

private:
    // Covers `policies` and builds their tiers now, strictly (a start's errors are thrown).
    void start_with(const std::vector<std::shared_ptr<const Policy>>& policies);
    bool covers(const Policy& policy) const;
    std::shared_ptr<const PolicyTiers> build(const Policy& policy, bool strict) const;

    bool every_ = false;
    std::vector<std::string> ids_;  // the policies started with: every version of them is covered
    std::map<std::string, std::shared_ptr<const FastClassifier>> given_models_;
    bool models_given_ = false;  // only given models, none loaded from files

    // Looked up by the Policy object first (no hashing on the hot path), then by its text.
    struct Seen {
        std::weak_ptr<const Policy> policy;
        std::shared_ptr<const PolicyTiers> tiers;
    };
    mutable std::mutex mutex_;
    mutable std::unordered_map<const Policy*, Seen> by_object_;
    mutable std::map<std::string, std::shared_ptr<const PolicyTiers>> by_text_;
};

// True when any policy declares rules or a fast tier.
bool declares_cascade(const std::vector<std::shared_ptr<const Policy>>& policies);

}  // namespace arbiter::cascade
