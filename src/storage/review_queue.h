#pragma once
// The review queue: which logged decisions of a policy people should review, by rules an admin
// sets per policy, and how the reviews given so far agree. Owns the `queue_rules` table:
//
//   queue_rules(policy_id, band_min, band_max, flagged, escalated, sample_percent, updated_at,
//               updated_by)
//
// and reads the decision log's `decisions` and the review log's `reviews` in the same file.
// Only live verdicts of stored policies that parsed and whose content is stored are ever queued.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace arbiter::storage {

struct QueueRules {
    std::string policy_id;
    std::optional<double> band_min, band_max;  // probability in [min, max]; both or neither
    bool flagged = false;                      // every violation
    bool escalated = false;                    // the cascade's fast tier passed it to the model
    double sample_percent = 0;                 // a stable random share of the rest, 0-100
    std::string updated_at;
    std::string updated_by;
};

// A decision waiting for review (DecisionLog::row shows it), with the rules it matched ("band",
// "flagged", "escalated", "sample").
struct QueuedDecision {
    int64_t decision_id = 0;
    std::vector<std::string> why;
};

// Per policy: how much is waiting and how the reviews agree.
struct QueueSummary {
    size_t waiting = 0;   // matched by the rules, reviewed by nobody yet
    size_t reviewed = 0;  // decisions with at least one review
    size_t reviews = 0;
    size_t double_reviewed = 0;  // decisions with two or more reviews
    size_t disagreements = 0;    // of those, reviews giving both labels
    size_t model_agreed = 0;     // reviewed decisions whose latest label is the model's verdict
};

class ReviewQueue {
public:
    // Opens the database the decision and review logs are in (they create their tables first).
    // Throws StoreError.
    explicit ReviewQueue(const std::string& location);

    std::vector<QueueRules> all_rules();
    std::optional<QueueRules> rules(const std::string& policy_id);
    void set_rules(const QueueRules& rules);  // updated_at is set here

    // What `reviewer` may review next for `policy_id`, oldest first: matched by its rules, not
    // reviewed by `reviewer`, and reviewed by fewer than two people, or by two who disagree (a
    // third breaks the tie). `waiting` gets how many there are.
    std::vector<QueuedDecision> next(const std::string& policy_id, const std::string& reviewer, size_t limit,
                                     size_t* waiting);
    QueueSummary summary(const std::string& policy_id);

private:
    std::mutex mutex_;
    Database db_;
};

}  // namespace arbiter::storage
