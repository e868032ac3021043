#include "cascade/cascade_backend.h"

#include <algorithm>

#include "cascade/judged_text.h"
#include "cascade/normalize.h"

namespace arbiter::cascade {

namespace {

using Clock = std::chrono::steady_clock;

Verdict decided(const Policy& policy, Tier tier, bool violation) {
    Verdict v = verdict_for(policy);
    v.status = VerdictStatus::ok;
    v.violation = violation;
    v.tier = tier;
    return v;
}

// The cascade's own fields on a verdict that leaves it.
void complete(Verdict& v, const std::vector<std::string>& rule_ids, std::optional<double> fast_probability,
              const Usage& usage, Clock::time_point started) {
    for (const std::string& id : rule_ids) {
        if (std::find(v.rule_ids.begin(), v.rule_ids.end(), id) == v.rule_ids.end()) v.rule_ids.push_back(id);
    }
    v.fast_probability = fast_probability;
    v.usage = usage;
    v.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

}  // namespace

CascadeBackend::CascadeBackend(Backend& inner, std::shared_ptr<const Cascade> cascade)
    : inner_(inner), cascade_(std::move(cascade)) {}

JobId CascadeBackend::submit(Job job, Done done) {
    const JobId id = next_id_++;
    State state;
    state.started = Clock::now();
    Mode first = Mode::score;
    const std::shared_ptr<const PolicyTiers> tiers = cascade_->tiers(job.policy);
    if (tiers == nullptr) {
        state.passthrough = true;
        first = job.mode;
    } else if (!tiers->error.empty()) {
        Verdict v = verdict_for(*job.policy);
        v.status = VerdictStatus::error;
        v.error = tiers->error;
        done(std::move(v));
        return id;
    } else {
        const Policy& policy = *job.policy;
        const std::string text = judged_text(job.content);
        const RuleDecision rules = tiers->rules->decide(policy, normalize(text));
        if (rules.action == RuleAction::violate || rules.action == RuleAction::safe) {
            Verdict v = decided(policy, Tier::rules, rules.action == RuleAction::violate);
            complete(v, rules.rule_ids, std::nullopt, {}, state.started);
            done(std::move(v));
            return id;
        }
        state.rule_ids = rules.rule_ids;
        const FastClassifier* fast = tiers->fast.get();
        const bool escalated = rules.action == RuleAction::escalate;
        if (!escalated && policy.cascade.fast && fast != nullptr) {
            const double p = fast->probability(text);
            state.fast_probability = p;
            const CascadeSettings& c = policy.cascade;
            if (p < c.safe_below || (p > c.violate_above && !c.reason_violations)) {
                Verdict v = decided(policy, Tier::fast, p > c.violate_above);
                v.probability = p;
                complete(v, {}, p, {}, state.started);
                done(std::move(v));
                return id;
            }
            if (p > c.violate_above) first = Mode::reason;  // for the model's rationale
        }
        state.may_reason = first == Mode::score && job.mode == Mode::reason;
    }
    state.job = std::move(job);
    state.done = std::move(done);
    state.stage = 1;
    {
        std::lock_guard lock(mutex_);
        jobs_[id] = std::move(state);
    }
    submit_stage(id, 1, first);
    return id;
}

void CascadeBackend::submit_stage(JobId id, uint64_t stage, Mode mode) {
    Job job;
    {
        std::lock_guard lock(mutex_);
        const auto it = jobs_.find(id);
        if (it == jobs_.end()) return;
        job = it->second.job;  // whole: its on_reasoning watches the model stage's reasoning
    }
    job.mode = mode;
    // Not under the lock: the inner backend may deliver (or refuse) the job before it returns.
    const JobId inner = inner_.submit(
        std::move(job), [this, id, stage, mode](Verdict v) { on_stage_done(id, stage, mode, std::move(v)); });
    bool cancel_now = false;
    {
        std::lock_guard lock(mutex_);
        const auto it = jobs_.find(id);
        if (it != jobs_.end() && it->second.stage == stage) {
            it->second.inner = inner;
            cancel_now = it->second.cancelled;
        }
    }
    if (cancel_now) inner_.cancel(inner);
}

void CascadeBackend::on_stage_done(JobId id, uint64_t stage, Mode mode, Verdict v) {
    State state;
    bool next = false;
    {
        std::lock_guard lock(mutex_);
        const auto it = jobs_.find(id);
        if (it == jobs_.end() || it->second.stage != stage) return;
        State& s = it->second;
        s.inner.reset();
        s.usage.prompt_tokens += v.usage.prompt_tokens;
        s.usage.cached_tokens += v.usage.cached_tokens;
        s.usage.completion_tokens += v.usage.completion_tokens;
        const CascadeSettings& c = s.job.policy->cascade;
        const bool uncertain = mode == Mode::score && s.may_reason && v.status == VerdictStatus::ok &&
                               v.probability && *v.probability >= c.reason_low &&
                               *v.probability <= c.reason_high;
        if (uncertain && !s.cancelled) {
            s.stage = stage + 1;
            next = true;
        } else {
            if (uncertain) {  // cancelled before it could be reasoned
                v.status = VerdictStatus::error;
                v.violation.reset();
                v.error = "cancelled";
            }
            state = std::move(s);
            jobs_.erase(it);
        }
    }
    if (next) {
        submit_stage(id, stage + 1, Mode::reason);
        return;
    }
    if (!state.passthrough) complete(v, state.rule_ids, state.fast_probability, state.usage, state.started);
    if (state.done) state.done(std::move(v));
}

void CascadeBackend::cancel(JobId id) {
    std::optional<JobId> inner;
    {
        std::lock_guard lock(mutex_);
        const auto it = jobs_.find(id);
        if (it == jobs_.end()) return;
        it->second.cancelled = true;
        inner = it->second.inner;
    }
    if (inner) inner_.cancel(*inner);
}

}  // namespace arbiter::cascade
