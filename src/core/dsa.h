#pragma once
// What a policy tells the EU's DSA Transparency Database about the decisions it makes: the ground
// and category of a statement of reasons (core/statement_of_reasons.h). A pure value, with the
// values the database accepts.
//
// The allowed values are the Commission's, from its repository
// github.com/digital-services-act/transparency-database: the API v2 documentation
// (resources/markdown/api-documentation-two.md, commit 7c0a571ac7dc080881073b46453d3bff56cec5e8,
// the schema in force since 1 July 2025) for the categories, and app/Models/Statement.php (commit
// a2b143191ce5f956d5d199a006c2121f6941cf8d) for the grounds, restrictions, content and source
// types. The limits are the validation rules of app/Http/Requests/StatementsStoreRequest.php
// (commit 2014d1ff88c37724092ae2182a66df4a828cb838).

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter {

inline constexpr std::string_view kGroundIllegal = "DECISION_GROUND_ILLEGAL_CONTENT";
inline constexpr std::string_view kGroundIncompatible = "DECISION_GROUND_INCOMPATIBLE_CONTENT";

inline constexpr std::array<std::string_view, 2> kDecisionGrounds = {kGroundIllegal, kGroundIncompatible};

inline constexpr std::array<std::string_view, 16> kStatementCategories = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
};

inline constexpr std::string_view kVisibilityOther = "DECISION_VISIBILITY_OTHER";
inline constexpr std::array<std::string_view, 7> kDecisionVisibilities = {
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    kVisibilityOther,
};

// CONTENT_TYPE_OTHER is left out: it needs a description of its own that a policy cannot give.
inline constexpr std::array<std::string_view, 7> kContentTypes = {
    "CONTENT_TYPE_APP",     "CONTENT_TYPE_AUDIO",           "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT", "CONTENT_TYPE_SYNTHETIC_MEDIA", "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
};

inline constexpr std::string_view kSourceVoluntary = "SOURCE_VOLUNTARY";
inline constexpr std::array<std::string_view, 4> kSourceTypes = {
    "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", kSourceVoluntary};

inline constexpr std::string_view kAutomatedFully = "AUTOMATED_DECISION_FULLY";
inline constexpr std::string_view kAutomatedPartially = "AUTOMATED_DECISION_PARTIALLY";
inline constexpr std::string_view kNotAutomated = "AUTOMATED_DECISION_NOT_AUTOMATED";

// The database's limits, in characters ("max:N" in StatementsStoreRequest.php).
inline constexpr size_t kDsaShortText = 500;  // grounds, URLs, "other" descriptions, the puid
inline constexpr size_t kDsaExplanation = 2000;
inline constexpr size_t kDsaFacts = 5000;
// At most this many verdict categories mapped by one policy.
inline constexpr size_t kMaxDsaCategoryMappings = 1000;

// A policy's `dsa:` front matter (docs/operations.md, "DSA statements of reasons").
struct DsaMapping {
    std::string decision_ground;  // one of kDecisionGrounds
    // The legal ground (illegal content) or the contractual ground (incompatible content), and
    // why content breaking this policy breaks it.
    std::string ground;
    std::string explanation;
    std::string reference_url = {};  // the terms or law relied on; empty: none
    std::string category;            // one of kStatementCategories
    // A verdict's category (the model's policy_category) to the database's category, where it
    // differs from `category`.
    std::map<std::string, std::string> categories = {};
    std::vector<std::string> decision_visibility;  // what the platform does to flagged content
    std::string decision_visibility_other = {};    // required with DECISION_VISIBILITY_OTHER
    std::vector<std::string> content_type = {"CONTENT_TYPE_TEXT"};
    std::string source_type = std::string(kSourceVoluntary);
};

// Whether `value` is one of `allowed`.
template <size_t N>
bool dsa_allows(const std::array<std::string_view, N>& allowed, std::string_view value) {
    for (std::string_view a : allowed)
        if (a == value) return true;
    return false;
}

// Characters (code points) of UTF-8 `text`: what the database's limits count.
size_t utf8_characters(std::string_view text);

// What is wrong with `dsa`, naming the field (e.g. "dsa.category: ..."); nullopt when the database
// would accept what it says.
std::optional<std::string> dsa_mapping_error(const DsaMapping& dsa);

}  // namespace arbiter
