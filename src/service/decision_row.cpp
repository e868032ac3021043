#include "service/decision_row.h"

#include "core/verdict_json.h"

namespace arbiter::service {

storage::Decision decision_row(const DecisionSource& source, const std::string& policy_sha256,
                               Verdict verdict) {
    nlohmann::ordered_json verdict_json = verdict_to_json(source.item.id, verdict);
    return {.request_id = source.request_id,
            .item_id = source.item.id,
            .content_json = source.item.content_json,
            .content_sha256 = source.content_sha256,
            .mode = std::string(to_string(source.mode)),
            .inline_policy = source.inline_policy,
            .policy_sha256 = policy_sha256,
            .verdict = std::move(verdict),
            .verdict_json = std::move(verdict_json),
            .store_content = source.store_content,
            .shadow = source.shadow,
            .trace_id = source.trace_id};
}

}  // namespace arbiter::service
