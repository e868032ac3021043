#include "cascade/cascade.h"

#include <algorithm>

#include "core/policy_json.h"
#include "core/sha256.h"

namespace arbiter::cascade {

namespace {

// Distinct texts kept compiled; past it the least needed go (a later job compiles them again).
constexpr size_t kMaxTexts = 256;
// Policy objects remembered before the forgotten ones are swept out.
constexpr size_t kMaxObjects = 1024;

// Everything the tiers depend on: the policy as the API shows it (rules and cascade settings
// included) and the file it came from (its fast model lies beside it).
std::string text_key(const Policy& policy) {
    return sha256_hex(policy_to_json(policy).dump() + '\n' + policy.source);
}

}  // namespace

Cascade::Cascade(const std::vector<std::shared_ptr<const Policy>>& policies, bool every) : every_(every) {
    start_with(policies);
}

Cascade::Cascade(const std::vector<std::shared_ptr<const Policy>>& policies,
                 std::map<std::string, std::shared_ptr<const FastClassifier>> models)
    : given_models_(std::move(models)), models_given_(true) {
    start_with(policies);
}

void Cascade::start_with(const std::vector<std::shared_ptr<const Policy>>& policies) {
    for (const auto& p : policies) {
        ids_.push_back(p->id);
        by_text_[text_key(*p)] = build(*p, true);
    }
}

bool Cascade::covers(const Policy& policy) const {
    return every_ || !policy.rules.empty() || policy.cascade.fast ||
           std::find(ids_.begin(), ids_.end(), policy.id) != ids_.end();
}

std::shared_ptr<const PolicyTiers> Cascade::build(const Policy& policy, bool strict) const {
    auto tiers = std::make_shared<PolicyTiers>();
    try {
        tiers->rules = std::make_unique<RuleSet>(std::vector{std::make_shared<const Policy>(policy)});
    } catch (const PolicyError& e) {
        if (strict) throw;
        tiers->error = e.what();
        return tiers;
    }
    if (!policy.cascade.fast) return tiers;
    if (models_given_) {
        const auto given = given_models_.find(policy.id);
        if (given != given_models_.end()) tiers->fast = given->second;
        return tiers;
    }
    try {
        tiers->fast = std::make_shared<const FastClassifier>(load_fast_model(policy));
    } catch (const std::exception&) {
        if (strict) throw;  // at a start, a missing model is an error to fix; later, the model judges
    }
    return tiers;
}

std::shared_ptr<const PolicyTiers> Cascade::tiers(const std::shared_ptr<const Policy>& policy) const {
    if (!policy || !covers(*policy)) return nullptr;
    {
        std::lock_guard lock(mutex_);
        const auto seen = by_object_.find(policy.get());
        if (seen != by_object_.end() && seen->second.policy.lock() == policy) return seen->second.tiers;
    }
    const std::string key = text_key(*policy);
    std::shared_ptr<const PolicyTiers> tiers;
    {
        std::lock_guard lock(mutex_);
        const auto known = by_text_.find(key);
        if (known != by_text_.end()) tiers = known->second;
    }
    if (!tiers) tiers = build(*policy, false);  // unlocked: compiling takes milliseconds
    std::lock_guard lock(mutex_);
    if (by_text_.size() >= kMaxTexts) {
        // Keep what a live policy object still uses; the rest is compiled again if it comes back.
        std::erase_if(by_text_, [](const auto& entry) { return entry.second.use_count() == 1; });
    }
    tiers = by_text_.emplace(key, tiers).first->second;
    if (by_object_.size() >= kMaxObjects)
        std::erase_if(by_object_, [](const auto& entry) { return entry.second.policy.expired(); });
    by_object_[policy.get()] = {policy, tiers};
    return tiers;
}

bool declares_cascade(const std::vector<std::shared_ptr<const Policy>>& policies) {
    return std::any_of(policies.begin(), policies.end(),
                       [](const auto& p) { return !p->rules.empty() || p->cascade.fast; });
}

}  // namespace arbiter::cascade
