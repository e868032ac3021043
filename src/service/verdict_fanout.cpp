#include "service/verdict_fanout.h"

#include <chrono>
#include <cmath>

#include "core/content_layout.h"
#include "core/service_error.h"
#include "core/sha256.h"
#include "service/decision_row.h"
#include "service/fanout_jobs.h"
#include "service/shadow.h"

namespace arbiter::service {

namespace {

using Clock = std::chrono::steady_clock;

// Fills a timed-out verdict's decision where the configuration says what a timeout means.
void apply_on_timeout(Verdict& v, OnTimeout on_timeout) {
    if (v.status != VerdictStatus::timeout || on_timeout == OnTimeout::error) return;
    v.violation = on_timeout == OnTimeout::fail_closed;
}

}  // namespace

std::vector<std::vector<Verdict>> run_items(ServiceContext& context, const Fanout& f) {
    JobRunner& runner = context.runner();
    std::vector<Job> jobs = fanout_jobs(context, f);  // first: a request refused there costs no budget
    const auto jobs_asked = static_cast<int64_t>(jobs.size());
    if (const double wait = context.job_buckets.jobs(f.caller, f.caller_limit, jobs_asked, Clock::now());
        wait > 0)
        throw ServiceError(Refusal::busy,
                           "key '" + f.caller + "' is over its jobs_per_second (" +
                               std::to_string(f.caller_limit.jobs_per_second) +
                               " items times policies); retry in " +
                               std::to_string(static_cast<int64_t>(std::ceil(std::min(wait, 1e9)))) + " s");
    const std::chrono::milliseconds timeout = context.settings()->request_timeout;
    std::optional<std::vector<Verdict>> verdicts = runner.run(std::move(jobs), Clock::now() + timeout);
    if (!verdicts) {
        context.job_buckets.give_back_jobs(f.caller, jobs_asked);  // the server's fault, not the key's
        throw ServiceError(Refusal::busy, "the queue is full (" + std::to_string(context.config.queue_depth) +
                                              " jobs); retry shortly");
    }

    std::vector<std::string> policy_hashes;
    for (const auto& policy : f.policies) policy_hashes.push_back(sha256_hex(policy->text));
    std::vector<std::vector<Verdict>> by_item(f.items.size());
    std::vector<storage::Decision> decisions;
    bool timed_out = false;
    for (size_t i = 0; i < f.items.size(); ++i) {
        const ClassifyItem& item = f.items[i];
        const std::string content_hash = sha256_hex(user_message(item.content));
        for (size_t p = 0; p < f.policies.size(); ++p) {
            Verdict v = std::move((*verdicts)[i * f.policies.size() + p]);
            apply_on_timeout(v, f.on_timeout);
            timed_out = timed_out || (v.status == VerdictStatus::timeout && !v.violation);
            context.metrics.verdict(
                v, f.inline_policy[p] ? std::string_view("(inline)") : std::string_view(v.policy_id));
            const DecisionSource source{.request_id = f.request_id,
                                        .item = item,
                                        .content_sha256 = content_hash,
                                        .mode = f.mode,
                                        .inline_policy = f.inline_policy[p],
                                        .store_content = f.store_content,
                                        .trace_id = f.tracing.parent.trace_id};
            decisions.push_back(decision_row(source, policy_hashes[p], v));
            by_item[i].push_back(std::move(v));
        }
    }
    Span log_write = child_span(f.tracing, "log write", SpanKind::internal, unix_nanos());
    context.log.record(decisions);
    log_write.attributes.emplace_back("arbiter.decisions", static_cast<int64_t>(decisions.size()));
    finish_span(f.tracing, std::move(log_write));
    judge_in_shadow(context, f);
    if (timed_out)
        throw ServiceError(Refusal::timed_out,
                           "no verdict within " + std::to_string(timeout.count()) + " ms");
    return by_item;
}

}  // namespace arbiter::service
