#pragma once
// The cascade: a Backend that wraps another (the embedded engine, or a remote one) and spends
// the model only where cheaper tiers cannot decide. Per job, for its policy:
//   1. rules (rule_set.h) on the normalised text: violate or safe decide at once; escalate skips
//      the fast tier;
//   2. the fast classifier (fast_classifier.h), when the policy declares one: P(violation) below
//      safe_below is safe, above violate_above a violation (or, with reason_violations, reasoned
//      by the model for a rationale), in between goes on;
//   3. the model: a score-mode job first; a score inside the policy's reason_band is uncertain
//      and the item is reasoned (reason mode). A job asking for score mode stops at the score.
// Every verdict says which tier decided it (Verdict::tier), which rules fired (rule_ids) and the
// fast tier's probability when it ran.
//
// Rules and the fast tier run inside submit() (microseconds), so Done may run before submit
// returns. cancel() works at every stage; Done runs exactly once. Which policies go through the
// tiers, and when their tiers are built, is the Cascade's (cascade.h); the others pass through
// to the inner backend unchanged.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "cascade/cascade.h"
#include "core/backend.h"

namespace arbiter::cascade {

class CascadeBackend : public Backend {
public:
    // `inner` must outlive this backend and deliver every job it accepted before it is destroyed.
    CascadeBackend(Backend& inner, std::shared_ptr<const Cascade> cascade);

    JobId submit(Job job, Done done) override;
    void cancel(JobId id) override;
    // The inner backend counts: the model sees the content whichever tier decides.
    std::optional<int> content_room(const Job& job) const override { return inner_.content_room(job); }
    std::optional<int> content_tokens(const Content& content) const override {
        return inner_.content_tokens(content);
    }
    std::vector<ServerLoad> server_loads() const override { return inner_.server_loads(); }

private:
    struct State {
        Job job;
        Done done;
        std::chrono::steady_clock::time_point started;
        bool passthrough = false;           // a policy the cascade does not know: the inner verdict as is
        bool may_reason = false;            // an uncertain score goes on to reason mode
        std::vector<std::string> rule_ids;  // rules that escalated
        std::optional<double> fast_probability;
        Usage usage;                 // summed over the model's stages
        uint64_t stage = 0;          // the current submission to the inner backend
        std::optional<JobId> inner;  // the current stage's inner job, once known
        bool cancelled = false;
    };

    void submit_stage(JobId id, uint64_t stage, Mode mode);
    void on_stage_done(JobId id, uint64_t stage, Mode mode, Verdict v);

    Backend& inner_;
    std::shared_ptr<const Cascade> cascade_;
    std::atomic<JobId> next_id_{1};
    std::mutex mutex_;
    std::map<JobId, State> jobs_;
};

}  // namespace arbiter::cascade
