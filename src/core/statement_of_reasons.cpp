#include "core/statement_of_reasons.h"

#include <cctype>

namespace arbiter {

namespace {

std::string decision_facts(const DecisionFacts& f) {
    std::string text = "Automated classification against the platform's policy '" + f.policy_id +
                       "' version " + std::to_string(f.policy_version);
    if (!f.policy_title.empty()) text += " (" + f.policy_title + ")";
    text += ", decided by the " + f.tier + " tier";
    if (!f.rule_ids.empty()) {
        text += " under rules";
        for (const std::string& id : f.rule_ids) text += " " + id;
    }
    if (f.category) text += "; category " + *f.category;
    text += ".";
    if (f.reviewed) text += " A person reviewed the decision and confirmed the violation.";
    if (!f.rationale.empty()) text += " Rationale: " + f.rationale;
    return utf8_prefix(text, kDsaFacts);
}

}  // namespace

std::string statement_puid(const DecisionFacts& facts) {
    std::string hash;
    for (const char c : facts.content_sha256) {
        if (hash.size() == 16) break;
        if (std::isalnum(static_cast<unsigned char>(c))) hash += c;
    }
    return "arbiter-" + std::to_string(facts.decision_id) + (hash.empty() ? "" : "-" + hash);
}

std::string utf8_prefix(const std::string& text, size_t limit) {
    size_t characters = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // inside a character
        if (characters == limit) return text.substr(0, i);
        ++characters;
    }
    return text;
}

nlohmann::ordered_json statement_of_reasons(const DecisionFacts& facts, const DsaMapping& dsa) {
    nlohmann::ordered_json s;
    s["decision_visibility"] = dsa.decision_visibility;
    if (!dsa.decision_visibility_other.empty())
        s["decision_visibility_other"] = dsa.decision_visibility_other;
    s["decision_ground"] = dsa.decision_ground;
    if (!dsa.reference_url.empty()) s["decision_ground_reference_url"] = dsa.reference_url;
    if (dsa.decision_ground == kGroundIllegal) {
        s["illegal_content_legal_ground"] = dsa.ground;
        s["illegal_content_explanation"] = dsa.explanation;
    } else {
        s["incompatible_content_ground"] = dsa.ground;
        s["incompatible_content_explanation"] = dsa.explanation;
    }
    s["content_type"] = dsa.content_type;
    const auto mapped = facts.category ? dsa.categories.find(*facts.category) : dsa.categories.end();
    s["category"] = mapped != dsa.categories.end() ? mapped->second : dsa.category;
    s["application_date"] = facts.created_at.substr(0, 10);  // the database takes YYYY-MM-DD
    s["decision_facts"] = decision_facts(facts);
    s["source_type"] = dsa.source_type;
    // "Yes means that automated means were used to identify the specific information" (the
    // Commission's explanation of the attributes): arbiter's classifier found it on the platform's
    // own initiative; where a notice identified it, arbiter only decided.
    s["automated_detection"] = dsa.source_type == kSourceVoluntary ? "Yes" : "No";
    // "Fully automated means that the entire decision-process was carried out without human
    // intervention ... Partially automated means that both automated means and human interaction
    // were applied": every tier (rules, fast, model) decides without a person; a person's review
    // makes it partial.
    s["automated_decision"] = std::string(facts.reviewed ? kAutomatedPartially : kAutomatedFully);
    s["puid"] = statement_puid(facts);
    return s;
}

}  // namespace arbiter
