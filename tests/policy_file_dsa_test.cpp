// A policy file's `dsa:` front matter (core/dsa_front_matter.h): read in full, and each mistake an
// error at its file and line.

#include <gtest/gtest.h>

#include "core/policy_file.h"

namespace arbiter {
namespace {

// Front matter lines 2-3, then the dsa: block from line 4.
std::string policy_with(const std::string& dsa_lines) {
    return "---\nid: scams\nlabels: [SP2, SP4]\ndsa:\n" + dsa_lines + "---\nFlag scams.\n";
}

const std::string kValid =
    "  decision_ground: DECISION_GROUND_INCOMPATIBLE_CONTENT\n"  // line 5
    "  ground: \"Terms of service, section 4\"\n"
    "  explanation: Content that tricks people out of money is not allowed.\n"
    "  reference_url: https://example.com/terms#4\n"
    "  category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\n"  // line 9
    "  categories: {SP4: STATEMENT_CATEGORY_CONSUMER_INFORMATION}\n"
    "  decision_visibility: [DECISION_VISIBILITY_CONTENT_REMOVED]\n";  // line 11

std::string error_of(const std::string& text) {
    try {
        parse_policy(text, "scams.md");
    } catch (const PolicyError& e) {
        return e.what();
    }
    return "";
}

::testing::AssertionResult begins(const std::string& error, const std::string& start) {
    if (error.starts_with(start)) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "'" << error << "' does not start with '" << start << "'";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    text.replace(text.find(from), from.size(), to);
    return text;
}

TEST(PolicyFileDsa, TheMappingIsReadWithItsDefaults) {
    const Policy p = parse_policy(policy_with(kValid), "scams.md");
    ASSERT_TRUE(p.dsa.has_value());
    EXPECT_EQ(p.dsa->decision_ground, "DECISION_GROUND_INCOMPATIBLE_CONTENT");
    EXPECT_EQ(p.dsa->ground, "Terms of service, section 4");
    EXPECT_EQ(p.dsa->reference_url, "https://example.com/terms#4");
    EXPECT_EQ(p.dsa->categories.at("SP4"), "STATEMENT_CATEGORY_CONSUMER_INFORMATION");
    EXPECT_EQ(p.dsa->content_type, std::vector<std::string>({"CONTENT_TYPE_TEXT"}));
    EXPECT_EQ(p.dsa->source_type, "SOURCE_VOLUNTARY");
    EXPECT_FALSE(parse_policy("Flag scams.\n", "scams.md").dsa.has_value());
}

TEST(PolicyFileDsa, EachMistakeIsAnErrorAtItsLine) {
    EXPECT_EQ(
        error_of(policy_with(kValid + "  colour: red\n")),
        "scams.md:12: unknown dsa key 'colour' (known: decision_ground, ground, explanation, reference_url, "
        "category, categories, decision_visibility, decision_visibility_other, content_type, source_type)");
    EXPECT_TRUE(begins(error_of(policy_with(replaced(kValid, "STATEMENT_CATEGORY_SCAMS_AND_FRAUD", "Scams"))),
                       "scams.md:9: dsa.category: 'Scams' is not one of"));
    EXPECT_EQ(
        error_of(policy_with(replaced(kValid, "[DECISION_VISIBILITY_CONTENT_REMOVED]", "removed"))),
        "scams.md:11: dsa.decision_visibility must be a list, e.g. [DECISION_VISIBILITY_CONTENT_REMOVED]");
    EXPECT_EQ(error_of(policy_with(
                  replaced(kValid, "CONTENT_REMOVED]", "CONTENT_REMOVED, DECISION_VISIBILITY_OTHER]"))),
              "scams.md:11: dsa.decision_visibility_other is required");
    EXPECT_EQ(
        error_of(policy_with(replaced(kValid, "https://example.com/terms#4", "terms.html"))),
        "scams.md:8: dsa.reference_url must be an http:// or https:// URL without spaces, not 'terms.html'");
    EXPECT_TRUE(begins(
        error_of(policy_with(replaced(kValid, "{SP4: STATEMENT_CATEGORY_CONSUMER_INFORMATION}", "[SP4]"))),
        "scams.md:10: dsa.categories must map verdict categories"));
    EXPECT_EQ(error_of(policy_with(replaced(kValid, "  ground: \"Terms of service, section 4\"\n", ""))),
              "scams.md:4: dsa.ground is required");  // nothing to point at but dsa: itself
    EXPECT_EQ(error_of(policy_with(
                  replaced(kValid, "  ground: \"Terms of service, section 4\"\n", "  ground: [a, b]\n"))),
              "scams.md:6: dsa.ground must be a single value");
    EXPECT_TRUE(begins(error_of("---\ndsa: yes\n---\nFlag scams.\n"),
                       "scams.md:2: dsa must be key: value pairs (decision_ground"));
    EXPECT_TRUE(begins(error_of("---\ndsa_mapping: {}\n---\nText\n"),
                       "scams.md:2: unknown front matter key 'dsa_mapping'"));
}

}  // namespace
}  // namespace arbiter
