#include "review/decision_statement.h"

#include "core/service_error.h"
#include "core/statement_of_reasons.h"
#include "review/review_json.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

std::string string_in(const ordered_json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The latest label a person gave (suggestions are not labels); nullopt when none did.
std::optional<bool> people_say(const std::vector<storage::Review>& reviews) {
    std::optional<bool> label;
    for (const storage::Review& r : reviews)
        if (storage::is_label(r)) label = r.violation;
    return label;
}

DecisionFacts facts_of(const ordered_json& row, const Policy& judged, bool reviewed) {
    const ordered_json& verdict = row.at("verdict");
    DecisionFacts f;
    f.decision_id = row.at("decision_id").get<int64_t>();
    f.created_at = string_in(row, "created_at");
    f.content_sha256 = string_in(row, "content_sha256");
    f.policy_id = judged.id;
    f.policy_version = judged.version;
    f.policy_title = judged.title;
    if (const std::string category = string_in(verdict, "category"); !category.empty()) f.category = category;
    if (const std::string tier = string_in(verdict, "tier"); !tier.empty()) f.tier = tier;
    if (const auto ids = verdict.find("rule_ids"); ids != verdict.end() && ids->is_array())
        for (const auto& id : *ids)
            if (id.is_string()) f.rule_ids.push_back(id.get<std::string>());
    f.rationale = string_in(verdict, "rationale");
    f.reviewed = reviewed;
    return f;
}

}  // namespace

bool restricts(const ordered_json& row, const std::vector<storage::Review>& reviews) {
    return !row.value("shadow", false) && people_say(reviews).value_or(logged_violation(row).value_or(false));
}

ordered_json decision_statement(const ordered_json& row, const Policy* judged, const Policy* current,
                                const std::vector<storage::Review>& reviews) {
    const std::string id = std::to_string(row.at("decision_id").get<int64_t>());
    if (row.value("shadow", false))
        throw ServiceError(Refusal::conflict,
                           "decision " + id + " is a shadow version's: it restricted nothing");
    const std::optional<bool> people = people_say(reviews);
    if (!restricts(row, reviews))
        throw ServiceError(Refusal::conflict,
                           "decision " + id +
                               (people ? " was found no violation by its reviewer" : " found no violation") +
                               ": there is no restriction to state reasons for");
    if (string_in(row, "policy_source") == "inline" || judged == nullptr)
        throw ServiceError(Refusal::not_found, "decision " + id +
                                                   " was judged by a policy that is not stored (" +
                                                   string_in(row, "policy_id") +
                                                   "): a statement needs the stored policy's dsa: mapping");
    const std::optional<DsaMapping>& dsa = judged->dsa ? judged->dsa : (current ? current->dsa : judged->dsa);
    if (!dsa)
        throw ServiceError(Refusal::conflict,
                           "policy '" + judged->id +
                               "' has no dsa: mapping; add one to its front matter (decision_ground, ground, "
                               "explanation, category, decision_visibility: see docs/operations.md, \"DSA "
                               "statements of reasons\")");
    return statement_of_reasons(facts_of(row, *judged, people.has_value()), *dsa);
}

}  // namespace arbiter::service
