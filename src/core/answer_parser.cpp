#include "core/answer_parser.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_input.h"
#include "core/utf8.h"

namespace arbiter {

namespace {

// Deeper nesting than any answer needs; refusing it keeps the JSON parser's recursion bounded.
constexpr int kMaxAnswerDepth = 16;

std::string_view trim(std::string_view s) {
    const auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// "```json\n{...}\n```" -> "{...}"; anything else unchanged.
std::string_view strip_fence(std::string_view s) {
    s = trim(s);
    if (!s.starts_with("```") || s.size() < 6 || !s.ends_with("```")) return s;
    s.remove_prefix(3);
    s.remove_suffix(3);
    const size_t newline = s.find('\n');
    const std::string_view info = s.substr(0, newline);
    if (newline != std::string_view::npos && info.find_first_of("{[\"") == std::string_view::npos) {
        s.remove_prefix(newline + 1);  // the fence's language tag
    }
    return trim(s);
}

// Where the first top-level value of JSON text closes, outside strings (npos if it never does).
size_t top_level_end(std::string_view s) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            return i + 1;
        }
    }
    return std::string_view::npos;
}

Answer fail(std::string problem) {
    Answer a;
    a.problem = std::move(problem);
    return a;
}

Answer parse_binary(std::string_view text) {
    const std::string_view t = trim(strip_fence(text));
    Answer a;
    if (t == "0" || t == "1") {
        a.parsed = true;
        a.violation = (t == "1");
        return a;
    }
    return fail("expected 0 or 1");
}

Answer parse_json(std::string_view text, bool with_rationale) {
    const std::string cleaned = valid_utf8(strip_fence(text));
    const std::string_view t = cleaned;
    std::string error;
    const std::optional<nlohmann::json> parsed = arbiter::parse_json(t, error, kMaxAnswerDepth);
    if (!parsed) return fail("not valid JSON (" + error + ")");
    const nlohmann::json& j = *parsed;
    if (!j.is_object()) return fail("expected a JSON object");

    Answer a;
    const auto v = j.find("violation");
    if (v == j.end()) return fail("no \"violation\" field");
    if (v->is_boolean()) {
        a.violation = v->get<bool>();
    } else if (v->is_number_integer() && (v->get<int64_t>() == 0 || v->get<int64_t>() == 1)) {
        a.violation = v->get<int64_t>() == 1;
    } else {
        return fail("\"violation\" must be 0 or 1");
    }

    if (const auto c = j.find("policy_category"); c != j.end()) {
        if (c->is_string())
            a.category = c->get<std::string>();
        else if (!c->is_null())
            return fail("\"policy_category\" must be a string or null");
    }
    if (with_rationale) {
        if (const auto r = j.find("rule_ids"); r != j.end() && !r->is_null()) {
            if (!r->is_array()) return fail("\"rule_ids\" must be an array of strings");
            for (const auto& id : *r) {
                if (!id.is_string()) return fail("\"rule_ids\" must be an array of strings");
                a.rule_ids.push_back(id.get<std::string>());
            }
        }
        if (const auto c = j.find("confidence"); c != j.end() && !c->is_null()) {
            if (!c->is_string()) return fail("\"confidence\" must be a string");
            a.confidence = c->get<std::string>();
        }
        if (const auto r = j.find("rationale"); r != j.end() && !r->is_null()) {
            if (!r->is_string()) return fail("\"rationale\" must be a string");
            a.rationale = r->get<std::string>();
        }
    }
    a.parsed = true;
    return a;
}

}  // namespace

Answer parse_answer(std::string_view text, OutputFormat format) {
    switch (format) {
    case OutputFormat::binary:
        return parse_binary(text);
    case OutputFormat::json:
        return parse_json(text, false);
    case OutputFormat::json_rationale:
        return parse_json(text, true);
    }
    return fail("unknown output format");
}

}  // namespace arbiter

namespace arbiter {

bool answer_closed(std::string_view text, OutputFormat format) {
    if (format == OutputFormat::binary) return !trim(text).empty();
    return top_level_end(text) != std::string_view::npos;
}

void record_answer(const Answer& answer, Verdict& verdict) {
    if (!answer.parsed) {
        verdict.status = VerdictStatus::unparseable;
        verdict.error = answer.problem;
        return;
    }
    verdict.status = VerdictStatus::ok;
    verdict.violation = answer.violation;
    verdict.category = answer.category;
    verdict.rule_ids = answer.rule_ids;
    verdict.confidence = answer.confidence;
    verdict.answer_rationale = answer.rationale;
}

}  // namespace arbiter
