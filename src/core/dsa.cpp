#include "core/dsa.h"

#include <set>

#include "core/utf8.h"

namespace arbiter {

namespace {

// A value of `field` one of `allowed` lists; the message names the field and the values.
template <size_t N>
std::optional<std::string> not_allowed(const std::string& field, const std::string& value,
                                       const std::array<std::string_view, N>& allowed) {
    if (dsa_allows(allowed, value)) return std::nullopt;
    std::string names;
    for (std::string_view a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
    return field + ": '" + value + "' is not one of the database's values (" + names + ")";
}

std::optional<std::string> text_error(const std::string& field, const std::string& value, size_t limit,
                                      bool required) {
    if (required && value.find_first_not_of(" \t\r\n") == std::string::npos) return field + " is required";
    if (first_invalid_utf8(value)) return field + " is not valid UTF-8";
    if (utf8_characters(value) > limit)
        return field + " is longer than the database's " + std::to_string(limit) + " characters";
    return std::nullopt;
}

// Laravel's `url` rule, as far as a policy author needs it: an absolute http(s) URL, one line.
std::optional<std::string> url_error(const std::string& url) {
    if (url.empty()) return std::nullopt;
    const bool web = url.starts_with("https://") || url.starts_with("http://");
    if (!web || url.find(' ') != std::string::npos || !is_printable_ascii(url))
        return "dsa.reference_url must be an http:// or https:// URL without spaces, not '" + url + "'";
    return text_error("dsa.reference_url", url, kDsaShortText, false);
}

std::optional<std::string> visibility_error(const DsaMapping& dsa) {
    if (dsa.decision_visibility.empty())
        return "dsa.decision_visibility is required: what the platform does to flagged content, e.g. "
               "[DECISION_VISIBILITY_CONTENT_REMOVED]";
    std::set<std::string> seen;
    for (const std::string& v : dsa.decision_visibility) {
        if (auto e = not_allowed("dsa.decision_visibility", v, kDecisionVisibilities)) return e;
        if (!seen.insert(v).second) return "dsa.decision_visibility names " + v + " twice";
    }
    const bool other = seen.contains(std::string(kVisibilityOther));
    if (other)
        return text_error("dsa.decision_visibility_other", dsa.decision_visibility_other, kDsaShortText,
                          true);
    if (!dsa.decision_visibility_other.empty())
        return "dsa.decision_visibility_other is only for DECISION_VISIBILITY_OTHER";
    return std::nullopt;
}

std::optional<std::string> categories_error(const DsaMapping& dsa) {
    if (auto e = not_allowed("dsa.category", dsa.category, kStatementCategories)) return e;
    if (dsa.categories.size() > kMaxDsaCategoryMappings)
        return "dsa.categories maps more than " + std::to_string(kMaxDsaCategoryMappings) + " categories";
    for (const auto& [label, category] : dsa.categories) {
        if (label.empty() || label.size() > kDsaShortText)
            return "dsa.categories: a verdict category must be 1 to 500 bytes";
        if (auto e = not_allowed("dsa.categories." + label, category, kStatementCategories)) return e;
    }
    return std::nullopt;
}

}  // namespace

size_t utf8_characters(std::string_view text) {
    size_t n = 0;
    for (const char c : text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;  // every byte but continuations
    return n;
}

std::optional<std::string> dsa_mapping_error(const DsaMapping& dsa) {
    if (auto e = not_allowed("dsa.decision_ground", dsa.decision_ground, kDecisionGrounds)) return e;
    // The legal ground (illegal content) and the contractual one (incompatible) both take 500.
    if (auto e = text_error("dsa.ground", dsa.ground, kDsaShortText, true)) return e;
    if (auto e = text_error("dsa.explanation", dsa.explanation, kDsaExplanation, true)) return e;
    if (auto e = url_error(dsa.reference_url)) return e;
    if (auto e = categories_error(dsa)) return e;
    if (auto e = visibility_error(dsa)) return e;
    if (dsa.content_type.empty()) return "dsa.content_type is required, e.g. [CONTENT_TYPE_TEXT]";
    for (const std::string& t : dsa.content_type)
        if (auto e = not_allowed("dsa.content_type", t, kContentTypes)) return e;
    return not_allowed("dsa.source_type", dsa.source_type, kSourceTypes);
}

}  // namespace arbiter
