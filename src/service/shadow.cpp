#include "service/shadow.h"

#include <chrono>

#include "core/content_layout.h"
#include "core/service_error.h"
#include "core/sha256.h"
#include "core/verdict_json.h"
#include "service/decision_row.h"
#include "service/fanout_jobs.h"

namespace arbiter::service {

void judge_in_shadow(ServiceContext& context, const Fanout& f) {
    for (size_t p = 0; p < f.policies.size(); ++p) {
        if (f.inline_policy[p]) continue;
        const std::optional<storage::Shadow> shadow = context.shadows.of(f.policies[p]->id);
        if (!shadow || shadow->policy->version == f.policies[p]->version) continue;
        JobRunner* runner = nullptr;
        try {
            runner = &context.runner();
        } catch (const ServiceError&) {
            // A draining server takes no new work, a shadow's least of all; the live answer stands.
            context.shadow_skipped += f.items.size();
            continue;
        }
        const std::string policy_hash = sha256_hex(shadow->policy->text);
        for (const ClassifyItem& item : f.items) {
            const std::string content_hash = sha256_hex(user_message(item.content));
            Job job = fanout_job(f, shadow->policy);
            job.content = item.content;
            job.deadline = std::chrono::steady_clock::now() + context.settings()->request_timeout;
            const DecisionSource source{.request_id = f.request_id,
                                        .item = item,
                                        .content_sha256 = content_hash,
                                        .mode = f.mode,
                                        .store_content = f.store_content,
                                        .shadow = true,
                                        .trace_id = f.tracing.parent.trace_id};
            // The row but its verdict, which the job's Done fills in.
            storage::Decision decision = decision_row(source, policy_hash, {});
            // Runs on the backend's thread; the context outlives the backend (serve stops it first).
            const bool queued =
                runner->submit_detached(std::move(job), runner->capacity() / 2,
                                        [&context, decision = std::move(decision)](Verdict v) mutable {
                                            decision.verdict_json = verdict_to_json(decision.item_id, v);
                                            decision.verdict = std::move(v);
                                            try {
                                                context.log.record({decision});
                                            } catch (const std::exception&) {
                                                // The live verdict was logged and answered; a shadow's lost
                                                // row is only a missing comparison, and the log's health
                                                // check reports the failure.
                                            }
                                        });
            if (!queued) ++context.shadow_skipped;
        }
    }
}

}  // namespace arbiter::service
