#include "compat/perspective.h"

#include <set>

#include "core/service_error.h"
#include "http/http_reply.h"

namespace arbiter::service {

namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& message) {
    throw ServiceError(Refusal::invalid, message);
}

void only_fields(const json& object, const std::set<std::string>& known, const std::string& where) {
    if (!object.is_object()) invalid(where + " must be an object");
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key))
            invalid("Invalid JSON payload received. Unknown name \"" + key + "\" at '" + where + "'");
    }
}

bool boolean(const json& body, const char* key) {
    if (!body.contains(key)) return false;
    if (!body[key].is_boolean()) invalid(std::string(key) + " must be true or false");
    return body[key].get<bool>();
}

std::optional<std::string> text_field(const json& body, const char* key) {
    if (!body.contains(key)) return std::nullopt;
    if (!body[key].is_string()) invalid(std::string(key) + " must be a string");
    return body[key].get<std::string>();
}

// comment.text, checked as Perspective checks it.
std::string comment_text(const json& body, size_t max_text_bytes) {
    if (!body.contains("comment")) invalid("comment is required");
    const json& comment = body["comment"];
    only_fields(comment, {"text", "type"}, "comment");
    const std::optional<std::string> type = text_field(comment, "type");
    if (type && *type != "PLAIN_TEXT" && *type != "TEXT_TYPE_UNSPECIFIED")
        invalid("comment.type '" + *type + "' is not supported here (PLAIN_TEXT)");
    const std::optional<std::string> text = text_field(comment, "text");
    if (!text || text->empty()) invalid("Comment text was empty.");
    if (text->size() > max_text_bytes)
        invalid("Comment text was too many bytes: " + std::to_string(text->size()) + ", the limit is " +
                std::to_string(max_text_bytes));
    return *text;
}

void check_context_and_languages(const json& body, std::vector<std::string>* languages) {
    if (body.contains("context") && !body["context"].is_object()) invalid("context must be an object");
    if (!body.contains("languages")) return;
    if (!body["languages"].is_array()) invalid("languages must be a list of language codes");
    for (const json& l : body["languages"]) {
        if (!l.is_string()) invalid("languages must be a list of language codes");
        if (languages) languages->push_back(l.get<std::string>());
    }
}

size_t utf16_units(unsigned char lead) {
    return lead >= 0xF0 ? 2 : 1;  // 4-byte sequences are outside the BMP: a surrogate pair
}

bool is_sequence_start(unsigned char c) {
    return (c & 0xC0) != 0x80;
}

}  // namespace

AnalyzeRequest parse_analyze_request(const json& body, size_t max_text_bytes) {
    only_fields(body,
                {"comment", "context", "requestedAttributes", "spanAnnotations", "languages", "doNotStore",
                 "clientToken", "sessionId", "communityId"},
                "request");
    AnalyzeRequest r;
    r.text = comment_text(body, max_text_bytes);
    check_context_and_languages(body, &r.languages);
    if (!body.contains("requestedAttributes") || !body["requestedAttributes"].is_object() ||
        body["requestedAttributes"].empty())
        invalid("requestedAttributes must name at least one attribute, e.g. {\"TOXICITY\": {}}");
    for (const auto& [name, settings] : body["requestedAttributes"].items()) {
        only_fields(settings, {"scoreType", "scoreThreshold"}, "requestedAttributes." + name);
        RequestedAttribute a{name, std::nullopt};
        if (const auto type = text_field(settings, "scoreType");
            type && *type != "PROBABILITY" && *type != "SCORE_TYPE_UNSPECIFIED")
            invalid("requestedAttributes." + name + ".scoreType '" + *type +
                    "' is not supported (PROBABILITY)");
        if (settings.contains("scoreThreshold")) {
            const json& t = settings["scoreThreshold"];
            if (!t.is_number() || t.get<double>() < 0 || t.get<double>() > 1)
                invalid("requestedAttributes." + name + ".scoreThreshold must be a number from 0 to 1");
            a.score_threshold = t.get<double>();
        }
        r.attributes.push_back(std::move(a));
    }
    r.span_annotations = boolean(body, "spanAnnotations");
    r.do_not_store = boolean(body, "doNotStore");
    r.client_token = text_field(body, "clientToken");
    (void)text_field(body, "sessionId");
    (void)text_field(body, "communityId");
    return r;
}

SuggestRequest parse_suggest_request(const json& body, size_t max_text_bytes) {
    only_fields(
        body,
        {"comment", "context", "attributeScores", "languages", "communityId", "clientToken", "sessionId"},
        "request");
    SuggestRequest r;
    r.text = comment_text(body, max_text_bytes);
    check_context_and_languages(body, nullptr);
    if (!body.contains("attributeScores") || !body["attributeScores"].is_object() ||
        body["attributeScores"].empty())
        invalid("attributeScores must hold at least one attribute's suggested score");
    for (const auto& [name, scores] : body["attributeScores"].items()) {
        const std::string where = "attributeScores." + name;
        only_fields(scores, {"summaryScore", "spanScores"}, where);
        if (scores.contains("spanScores"))
            invalid(where + ".spanScores: suggested span scores are not stored");
        if (!scores.contains("summaryScore")) invalid(where + ".summaryScore is required");
        const json& summary = scores["summaryScore"];
        only_fields(summary, {"value", "type"}, where + ".summaryScore");
        if (!summary.contains("value") || !summary["value"].is_number() ||
            summary["value"].get<double>() < 0 || summary["value"].get<double>() > 1)
            invalid(where + ".summaryScore.value must be a number from 0 to 1");
        r.scores[name] = summary["value"].get<double>();
    }
    r.client_token = text_field(body, "clientToken");
    (void)text_field(body, "sessionId");
    (void)text_field(body, "communityId");
    return r;
}

std::vector<Span> sentence_spans(std::string_view text) {
    std::vector<Span> spans;
    size_t units = 0;  // UTF-16 units before byte i
    std::optional<Span> open;
    const auto close = [&] {
        if (open) spans.push_back(*open);
        open.reset();
    };
    bool ended = false;  // a sentence terminator was seen; the next white space closes the span
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (is_sequence_start(c)) units += utf16_units(c);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (ended || c == '\n') close();
            ended = false;
            continue;
        }
        if (!open) open = Span{i, 0, units - (is_sequence_start(c) ? utf16_units(c) : 0), 0};
        open->byte_end = i + 1;  // the span ends after its last non-space byte
        open->end = units;
        if (c == '.' || c == '!' || c == '?') {
            ended = true;
        } else if (ended && c != '"' && c != '\'' && c != ')' && c != ']') {
            ended = false;  // "3.5", "e.g.x": not the end of a sentence
        }
    }
    close();
    return spans;
}

void send_google_error(HttpResponse& res, int status, const std::string& message) {
    const auto name = [status] {
        switch (status) {
        case 400:
        case 413:
            return "INVALID_ARGUMENT";
        case 401:
            return "UNAUTHENTICATED";
        case 403:
            return "PERMISSION_DENIED";
        case 404:
            return "NOT_FOUND";
        case 409:
            return "ABORTED";
        case 429:
            return "RESOURCE_EXHAUSTED";
        case 503:
            return "UNAVAILABLE";
        case 504:
            return "DEADLINE_EXCEEDED";
        default:
            return status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
        }
    }();
    send_json(res, status, {{"error", {{"code", status}, {"message", message}, {"status", name}}}});
}

}  // namespace arbiter::service
