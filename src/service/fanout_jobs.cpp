#include "service/fanout_jobs.h"

#include "core/service_error.h"

namespace arbiter::service {

namespace {

// Refuses content over the configured limit or longer than the model's context leaves room for
// with a policy. `rooms` holds each policy's room (jobs[p]).
void check_tokens(ServiceContext& context, const ClassifyItem& item, const std::vector<Job>& jobs,
                  const std::vector<std::optional<int>>& rooms) {
    const std::optional<int> counted = context.backend().content_tokens(item.content);
    // Where the backend cannot count, about four bytes make a token.
    const size_t tokens = counted ? static_cast<size_t>(*counted) : item.content_json.size() / 4;
    const std::string has = "item '" + item.id + "' has " + std::string(counted ? "" : "about ") +
                            std::to_string(tokens) + " content tokens";
    const int limit = context.settings()->max_content_tokens;
    if (tokens > static_cast<size_t>(limit))
        throw ServiceError(Refusal::too_large, has + "; the limit is " + std::to_string(limit));
    for (size_t p = 0; p < jobs.size(); ++p) {
        if (rooms[p] && tokens > static_cast<size_t>(*rooms[p]))
            throw ServiceError(Refusal::too_large, has + "; with policy '" + jobs[p].policy->id +
                                                       "' the model's context leaves room for " +
                                                       std::to_string(*rooms[p]));
    }
}

}  // namespace

Job fanout_job(const Fanout& f, std::shared_ptr<const Policy> policy) {
    Job job;
    job.policy = std::move(policy);
    job.mode = f.mode;
    job.effort = f.effort;
    job.max_reasoning_tokens = f.max_reasoning_tokens;
    job.tracing = f.tracing;
    return job;
}

std::vector<Job> fanout_jobs(ServiceContext& context, const Fanout& f) {
    JobRunner& runner = context.runner();
    // One job per policy, as every item's jobs are but for the content.
    std::vector<Job> per_policy;
    std::vector<std::optional<int>> rooms;
    for (const auto& policy : f.policies) {
        Job job = fanout_job(f, policy);
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
        throw ServiceError(Refusal::too_large, std::to_string(f.items.size()) + " item(s) x " +
                                                   std::to_string(f.policies.size()) + " policies make " +
                                                   std::to_string(jobs.size()) +
                                                   " jobs, more than the queue holds (queue_depth " +
                                                   std::to_string(runner.capacity()) + ")");
    return jobs;
}

}  // namespace arbiter::service
