#include "service/verdict_fanout.h"

#include <chrono>

#include "core/content_layout.h"
#include "core/sha256.h"
#include "core/verdict_json.h"
#include "service/request_error.h"
#include "service/shadow.h"

namespace arbiter::service {

namespace {

using Clock = std::chrono::steady_clock;

// Fills a timed-out verdict's decision where the configuration says what a timeout means.
void apply_on_timeout(Verdict& v, OnTimeout on_timeout) {
    if (v.status != VerdictStatus::timeout || on_timeout == OnTimeout::error) return;
    v.violation = on_timeout == OnTimeout::fail_closed;
}

// Refuses, before anything is queued, content over the configured limit or longer than the
// model's context leaves room for with a policy (413): such content cannot be judged, and an error
// verdict must never stand in for a judgement. `rooms` holds each policy's room (jobs[p]).
void check_tokens(ServiceContext& context, const ClassifyItem& item, const std::vector<Job>& jobs,
                  const std::vector<std::optional<int>>& rooms) {
    const std::optional<int> counted = context.backend().content_tokens(item.content);
    // Where the backend cannot count, about four bytes make a token.
    const size_t tokens = counted ? static_cast<size_t>(*counted) : item.content_json.size() / 4;
    const std::string has = "item '" + item.id + "' has " + std::string(counted ? "" : "about ") +
                            std::to_string(tokens) + " content tokens";
    if (tokens > static_cast<size_t>(context.config.max_content_tokens))
        throw RequestError(413, has + "; the limit is " + std::to_string(context.config.max_content_tokens));
    for (size_t p = 0; p < jobs.size(); ++p) {
        if (rooms[p] && tokens > static_cast<size_t>(*rooms[p]))
            throw RequestError(413, has + "; with policy '" + jobs[p].policy->id +
                                        "' the model's context leaves room for " + std::to_string(*rooms[p]));
    }
}

}  // namespace

std::vector<std::vector<Verdict>> run_items(ServiceContext& context, const Fanout& f) {
    JobRunner& runner = context.runner();
    // One job per policy, as every item's jobs are but for the content.
    std::vector<Job> per_policy;
    std::vector<std::optional<int>> rooms;
    for (const auto& policy : f.policies) {
        Job job;
        job.policy = policy;
        job.mode = f.mode;
        job.effort = f.effort;
        job.max_reasoning_tokens = f.max_reasoning_tokens;
        rooms.push_back(context.backend().content_room(job));
        per_policy.push_back(std::move(job));
    }
    for (const ClassifyItem& item : f.items) check_tokens(context, item, per_policy, rooms);
    std::vector<Job> jobs;
    for (const ClassifyItem& item : f.items) {
        for (const Job& job : per_policy) {
            jobs.push_back(job);
            jobs.back().content = item.content;
        }
    }
    if (jobs.size() > runner.capacity())
        throw RequestError(413, std::to_string(f.items.size()) + " item(s) x " +
                                    std::to_string(f.policies.size()) + " policies make " +
                                    std::to_string(jobs.size()) +
                                    " jobs, more than the queue holds (queue_depth " +
                                    std::to_string(runner.capacity()) + ")");
    std::optional<std::vector<Verdict>> verdicts =
        runner.run(std::move(jobs), Clock::now() + context.config.request_timeout);
    if (!verdicts)
        throw RequestError(429, "the queue is full (" + std::to_string(context.config.queue_depth) +
                                    " jobs); retry shortly");

    std::vector<std::string> policy_hashes;
    for (const auto& policy : f.policies) policy_hashes.push_back(sha256_hex(policy->text));
    std::vector<std::vector<Verdict>> by_item(f.items.size());
    std::vector<storage::Decision> decisions;
    bool timed_out = false;
    const std::string mode_name = f.mode == Mode::score ? "score" : "reason";
    for (size_t i = 0; i < f.items.size(); ++i) {
        const ClassifyItem& item = f.items[i];
        const std::string content_hash = sha256_hex(user_message(item.content));
        for (size_t p = 0; p < f.policies.size(); ++p) {
            Verdict v = std::move((*verdicts)[i * f.policies.size() + p]);
            apply_on_timeout(v, f.on_timeout);
            timed_out = timed_out || (v.status == VerdictStatus::timeout && !v.violation);
            context.metrics.verdict(
                v, f.inline_policy[p] ? std::string_view("(inline)") : std::string_view(v.policy_id));
            decisions.push_back({f.request_id, item.id, item.content_json, content_hash, mode_name,
                                 f.inline_policy[p], policy_hashes[p], v, verdict_to_json(item.id, v),
                                 f.store_content});
            by_item[i].push_back(std::move(v));
        }
    }
    context.log.record(decisions);
    judge_in_shadow(context, f);
    if (timed_out)
        throw RequestError(
            504, "no verdict within " + std::to_string(context.config.request_timeout.count()) + " ms");
    return by_item;
}

}  // namespace arbiter::service
