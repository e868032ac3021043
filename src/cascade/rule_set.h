#pragma once
// The cascade's first tier: every policy's deterministic rules, compiled together into one
// Hyperscan database, so that one scan of an item's normalised text (normalize.h) finds the
// rules of every policy that match.
//
// A literal matches as a whole word or phrase, case-insensitively, and also catches the usual
// obfuscations of it: each letter also matches its look-alike digits and symbols (a: 4 @,
// e: 3, i: 1 ! | l, l: 1 | i, o: 0, s: 5 $, t: 7 +, b: 8, g: 9, z: 2), and words spelled out
// one character at a time ("k i l l", "k.i.l.l", "k-1-l-l") are joined before the scan. A regex
// is matched as written (Hyperscan syntax, case-insensitive, UTF-8) against the same text:
// normalised, spelled-out words joined.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.h"

struct hs_database;
struct hs_scratch;

namespace arbiter::cascade {

// What the rules say about one item for one policy. With several matching rules, violate wins
// over escalate, escalate over safe; rule_ids lists the rules with the winning action.
struct RuleDecision {
    std::optional<RuleAction> action;  // empty: no rule matched
    std::vector<std::string> rule_ids;
};

class RuleSet {
public:
    // Throws PolicyError "FILE:LINE: rule 'ID': ..." for a rule Hyperscan rejects.
    explicit RuleSet(const std::vector<std::shared_ptr<const Policy>>& policies);
    ~RuleSet();
    RuleSet(const RuleSet&) = delete;
    RuleSet& operator=(const RuleSet&) = delete;

    size_t size() const { return rules_.size(); }

    // Indexes (into rule()) of every rule, of any policy, that matches normalised text.
    std::vector<size_t> matches(std::string_view normalized) const;

    // The decision for one policy (by id and version) on normalised text.
    RuleDecision decide(const Policy& policy, std::string_view normalized) const;

    struct Entry {
        std::string policy_id;
        int policy_version = 0;
        Rule rule;
    };
    const Entry& rule(size_t index) const { return rules_[index]; }

private:
    hs_scratch* acquire_scratch() const;
    void release_scratch(hs_scratch* scratch) const;

    std::vector<Entry> rules_;
    hs_database* database_ = nullptr;
    hs_scratch* prototype_ = nullptr;
    // Hyperscan scratch space is per scan; concurrent scans each take one from this pool.
    mutable std::mutex mutex_;
    mutable std::vector<hs_scratch*> pool_;
};

// Joins runs of three or more single characters separated by one of space . _ * ~ - into a word.
std::string join_spelled_out(std::string_view normalized);

// The Hyperscan expression a literal compiles to (exposed for tests and error messages).
std::string literal_expression(std::string_view literal);

}  // namespace arbiter::cascade
