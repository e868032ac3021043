#include "review/review_json.h"

namespace arbiter::service {

using ordered_json = nlohmann::ordered_json;

std::optional<bool> logged_violation(const ordered_json& row) {
    const auto verdict = row.find("verdict");
    if (verdict == row.end() || !verdict->is_object()) return std::nullopt;
    const auto violation = verdict->find("violation");
    if (violation == verdict->end() || !violation->is_boolean()) return std::nullopt;
    return violation->get<bool>();
}

ordered_json review_json(const storage::Review& r, const std::optional<bool>& model) {
    return {{"id", r.id},
            {"decision_id", r.decision_id ? ordered_json(*r.decision_id) : ordered_json()},
            {"created_at", r.created_at},
            {"reviewer", r.reviewer},
            {"policy_id", r.policy_id},
            {"policy_version", r.policy_version},
            {"violation", r.violation},
            {"agrees_with_model", model ? ordered_json(*model == r.violation) : ordered_json()},
            {"note", r.note},
            {"source", r.source}};
}

}  // namespace arbiter::service
