#include "core/answer_grammar.h"

#include <nlohmann/json.hpp>

namespace arbiter {

namespace {

// A GBNF literal for `text`, with JSON quotes around it: "\"SP2\"".
std::string quoted_literal(const std::string& text) {
    const std::string json = nlohmann::json(text).dump();
    std::string out = "\"";
    for (char c : json) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string category_rule(const Policy& policy) {
    if (policy.labels.empty()) return "category ::= shortstr | \"null\"\n";
    std::string rule = "category ::= \"null\"";
    for (const std::string& label : policy.labels) rule += " | " + quoted_literal(label);
    return rule + "\n";
}

// JSON strings of bounded length, and optional single spaces between tokens.
std::string string_rules() {
    return "ch ::= [^\"\\\\\\x00-\\x1f] | \"\\\\\" [\"\\\\/bfnrt]\n"
           "shortstr ::= \"\\\"\" ch{0," +
           std::to_string(kMaxCategoryChars) +
           "} \"\\\"\"\n"
           "longstr ::= \"\\\"\" ch{0," +
           std::to_string(kMaxRationaleChars) +
           "} \"\\\"\"\n"
           "ws ::= \" \"?\n";
}

}  // namespace

std::string answer_grammar(const Policy& policy) {
    switch (policy.output) {
    case OutputFormat::binary:
        return "root ::= [01]\n";
    case OutputFormat::json:
        return "root ::= \"{\" ws \"\\\"violation\\\":\" ws [01] \",\" ws \"\\\"policy_category\\\":\" ws "
               "category "
               "\"}\"\n" +
               category_rule(policy) + string_rules();
    case OutputFormat::json_rationale:
        return "root ::= \"{\" ws \"\\\"violation\\\":\" ws [01] \",\" ws \"\\\"policy_category\\\":\" ws "
               "category "
               "\",\" ws \"\\\"rule_ids\\\":\" ws ids \",\" ws \"\\\"confidence\\\":\" ws confidence \",\" "
               "ws "
               "\"\\\"rationale\\\":\" ws longstr \"}\"\n"
               "ids ::= \"[\" (shortstr (\",\" ws shortstr){0," +
               std::to_string(kMaxRuleIds - 1) +
               "})? \"]\"\n"
               "confidence ::= \"\\\"low\\\"\" | \"\\\"medium\\\"\" | \"\\\"high\\\"\"\n" +
               category_rule(policy) + string_rules();
    }
    return "root ::= [01]\n";
}

std::string score_prefix(OutputFormat format) {
    return format == OutputFormat::binary ? "" : "{\"violation\": ";
}

int answer_token_cap(OutputFormat format) {
    switch (format) {
    case OutputFormat::binary:
        return 4;
    case OutputFormat::json:
        return 4 * (64 + kMaxCategoryChars);
    case OutputFormat::json_rationale:
        return 4 * (128 + kMaxRationaleChars + (kMaxRuleIds + 1) * (kMaxCategoryChars + 4));
    }
    return 4;
}

}  // namespace arbiter
