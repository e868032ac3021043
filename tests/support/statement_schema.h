#pragma once
// The DSA Transparency Database's rules for a statement of reasons, written out field by field from
// the Commission's own validation (digital-services-act/transparency-database,
// app/Http/Requests/StatementsStoreRequest.php at 2014d1ff88c37724092ae2182a66df4a828cb838) and
// its API v2 documentation (resources/markdown/api-documentation-two.md at 7c0a571a: the category
// list and the puid's characters), independently of arbiter's own constants: what the tests check
// the statements arbiter writes against.

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace arbiter::test {

inline std::set<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::set<std::string> out;
    for (std::string w; in >> w;) out.insert(w);
    return out;
}

// Laravel's max:N counts characters.
inline size_t characters(const std::string& s) {
    size_t n = 0;
    for (const unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// Laravel's rules, applied to one statement.
class StatementChecker {
public:
    explicit StatementChecker(const nlohmann::json& statement) : s_(statement) {}

    std::vector<std::string> errors;

    bool has(const char* f) const { return s_.contains(f) && !s_[f].is_null(); }
    void fail(const std::string& field, const std::string& rule) { errors.push_back(field + ": " + rule); }
    void in(const char* f, const std::set<std::string>& allowed) {
        if (has(f) && (!s_[f].is_string() || !allowed.contains(s_[f].get<std::string>()))) fail(f, "in");
    }
    void each_in(const char* f, const std::set<std::string>& allowed) {
        if (!has(f)) return;
        if (!s_[f].is_array()) return fail(f, "array");
        for (const nlohmann::json& v : s_[f])
            if (!v.is_string() || !allowed.contains(v.get<std::string>())) fail(f, "in");
    }
    void required(const char* f) {
        if (!has(f) || (s_[f].is_string() && s_[f].get<std::string>().empty()) ||
            (s_[f].is_array() && s_[f].empty()))
            fail(f, "required");
    }
    void max(const char* f, size_t n) {
        if (has(f) && (!s_[f].is_string() || characters(s_[f].get<std::string>()) > n)) fail(f, "max");
    }
    void date(const char* f, const std::string& low) {
        if (!has(f)) return;
        const std::string d = s_[f].is_string() ? s_[f].get<std::string>() : "";
        const bool shape = d.size() == 10 && d[4] == '-' && d[7] == '-' &&
                           d.find_first_not_of("0123456789-") == std::string::npos;
        if (!shape || d < low || d > "2038-01-01")
            fail(f, "date_format:Y-m-d from " + low + " to 2038-01-01");
    }
    bool array_has(const char* f, const std::string& v) const {
        if (!has(f) || !s_[f].is_array()) return false;
        for (const nlohmann::json& x : s_[f])
            if (x == v) return true;
        return false;
    }
    std::string text(const char* f) const {
        return has(f) && s_[f].is_string() ? s_[f].get<std::string>() : "";
    }
    const nlohmann::json& statement() const { return s_; }

private:
    const nlohmann::json& s_;
};

inline void check_fields_known(StatementChecker& c) {
    static const std::set<std::string> known = words(
        "decision_visibility decision_visibility_other decision_monetary decision_monetary_other "
        "decision_provision "
        "decision_account account_type category_specification category_specification_other decision_ground "
        "decision_ground_reference_url illegal_content_legal_ground illegal_content_explanation "
        "incompatible_content_ground incompatible_content_explanation incompatible_content_illegal "
        "content_type "
        "content_type_other category category_addition territorial_scope content_language content_date "
        "application_date end_date_account_restriction end_date_monetary_restriction "
        "end_date_service_restriction "
        "end_date_visibility_restriction decision_facts source_type source_identity automated_detection "
        "automated_decision puid content_id");
    for (const auto& [key, value] : c.statement().items())
        if (!known.contains(key)) c.fail(key, "not a field of the schema");
}

inline void check_restriction(StatementChecker& c) {
    // decision_visibility: required_without_all:decision_monetary,decision_provision,decision_account.
    if (!c.has("decision_monetary") && !c.has("decision_provision") && !c.has("decision_account"))
        c.required("decision_visibility");
    c.each_in("decision_visibility",
              words("DECISION_VISIBILITY_CONTENT_REMOVED DECISION_VISIBILITY_CONTENT_DISABLED "
                    "DECISION_VISIBILITY_CONTENT_DEMOTED DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED "
                    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED DECISION_VISIBILITY_CONTENT_LABELLED "
                    "DECISION_VISIBILITY_OTHER"));
    if (c.array_has("decision_visibility", "DECISION_VISIBILITY_OTHER"))
        c.required("decision_visibility_other");
    c.max("decision_visibility_other", 500);
}

inline void check_grounds(StatementChecker& c) {
    c.required("decision_ground");
    c.in("decision_ground", words("DECISION_GROUND_ILLEGAL_CONTENT DECISION_GROUND_INCOMPATIBLE_CONTENT"));
    c.max("decision_ground_reference_url", 500);
    if (c.has("decision_ground_reference_url")) {
        const std::string url = c.text("decision_ground_reference_url");
        if (!(url.starts_with("https://") || url.starts_with("http://")) ||
            url.find(' ') != std::string::npos)
            c.fail("decision_ground_reference_url", "url");
    }
    const bool illegal = c.text("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT";
    const bool incompatible = c.text("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT";
    // required_if the ground; exclude_unless it (sent for the other ground, they are dropped).
    for (const char* f : {"illegal_content_legal_ground", "illegal_content_explanation"}) {
        if (illegal) c.required(f);
        if (!illegal && c.has(f)) c.fail(f, "exclude_unless:decision_ground,DECISION_GROUND_ILLEGAL_CONTENT");
    }
    for (const char* f : {"incompatible_content_ground", "incompatible_content_explanation"}) {
        if (incompatible) c.required(f);
        if (!incompatible && c.has(f))
            c.fail(f, "exclude_unless:decision_ground,DECISION_GROUND_INCOMPATIBLE_CONTENT");
    }
    c.max("illegal_content_legal_ground", 500);
    c.max("illegal_content_explanation", 2000);
    c.max("incompatible_content_ground", 500);
    c.max("incompatible_content_explanation", 2000);
    c.in("incompatible_content_illegal", words("Yes No"));
}

inline void check_content_and_category(StatementChecker& c) {
    c.required("content_type");
    c.each_in("content_type",
              words("CONTENT_TYPE_APP CONTENT_TYPE_AUDIO CONTENT_TYPE_IMAGE CONTENT_TYPE_PRODUCT "
                    "CONTENT_TYPE_SYNTHETIC_MEDIA CONTENT_TYPE_TEXT CONTENT_TYPE_VIDEO "
                    "CONTENT_TYPE_OTHER"));
    if (c.array_has("content_type", "CONTENT_TYPE_OTHER")) c.required("content_type_other");
    const std::set<std::string> categories = words(
        "STATEMENT_CATEGORY_ANIMAL_WELFARE STATEMENT_CATEGORY_CONSUMER_INFORMATION "
        "STATEMENT_CATEGORY_CYBER_VIOLENCE "
        "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN "
        "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS "
        "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS "
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS "
        "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE "
        "STATEMENT_CATEGORY_OTHER_VIOLATION_TC STATEMENT_CATEGORY_PROTECTION_OF_MINORS "
        "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY STATEMENT_CATEGORY_SCAMS_AND_FRAUD "
        "STATEMENT_CATEGORY_SELF_HARM "
        "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS STATEMENT_CATEGORY_VIOLENCE");
    c.required("category");
    c.in("category", categories);
    c.each_in("category_addition", categories);
    c.required("content_date");
    c.date("content_date", "2000-01-01");
    c.required("application_date");
    c.date("application_date", "2020-01-01");
}

inline void check_facts_and_automation(StatementChecker& c) {
    c.required("decision_facts");
    c.max("decision_facts", 5000);
    c.required("source_type");
    c.in("source_type",
         words("SOURCE_ARTICLE_16 SOURCE_TRUSTED_FLAGGER SOURCE_TYPE_OTHER_NOTIFICATION SOURCE_VOLUNTARY"));
    c.max("source_identity", 500);
    c.required("automated_detection");
    c.in("automated_detection", words("Yes No"));
    c.required("automated_decision");
    c.in("automated_decision",
         words("AUTOMATED_DECISION_FULLY AUTOMATED_DECISION_PARTIALLY AUTOMATED_DECISION_NOT_AUTOMATED"));
    c.required("puid");
    c.max("puid", 500);
    if (c.text("puid").find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != std::string::npos)
        c.fail("puid", "alphanumeric, '-' and '_' only");
}

// Every rule `statement` breaks, one line each ("field: rule"); empty when the database takes it.
inline std::vector<std::string> statement_errors(const nlohmann::json& statement) {
    StatementChecker c(statement);
    check_fields_known(c);
    check_restriction(c);
    check_grounds(c);
    check_content_and_category(c);
    check_facts_and_automation(c);
    return c.errors;
}

// statement_errors of `statement` with content_date added, as the platform adds it before
// submitting: what a statement from arbiter must pass.
inline std::vector<std::string> completed_statement_errors(nlohmann::json statement) {
    statement["content_date"] = "2026-01-01";
    return statement_errors(statement);
}

}  // namespace arbiter::test
