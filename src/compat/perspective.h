#pragma once
// Google's Perspective API (commentanalyzer v1alpha1), served from policies: each attribute
// (TOXICITY, INSULT, ...) is a stored policy in score mode, mapped by the configuration's
// `perspective.attributes`. The request and response shapes are Perspective's:
//
//   POST /v1alpha1/comments:analyze
//     {"comment": {"text", "type"}, "requestedAttributes": {"TOXICITY": {"scoreType", "scoreThreshold"}},
//      "spanAnnotations", "languages", "doNotStore", "clientToken", "sessionId", "communityId", "context"}
//   -> {"attributeScores": {"TOXICITY": {"summaryScore": {"value", "type"}, "spanScores": [...]}},
//       "languages", "clientToken"}
//   POST /v1alpha1/comments:suggestscore
//     {"comment", "attributeScores": {"TOXICITY": {"summaryScore": {"value"}}}, "languages",
//      "communityId", "clientToken", "context", "sessionId"}  -> {"clientToken"}
//
// Errors are Google's: {"error": {"code", "message", "status": "INVALID_ARGUMENT" | ...}}.
// Span offsets count UTF-16 code units, as Google's reference for SpanScore defines them (so a
// JavaScript client can slice its string with them): an emoji is 2, a combining mark 1.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_message.h"

namespace arbiter::service {

struct RequestedAttribute {
    std::string name;
    std::optional<double> score_threshold;  // scores below it are left out of the answer
};

struct AnalyzeRequest {
    std::string text;
    std::vector<RequestedAttribute> attributes;
    bool span_annotations = false;
    bool do_not_store = false;
    std::vector<std::string> languages;
    std::optional<std::string> client_token;
};

struct SuggestRequest {
    std::string text;
    std::map<std::string, double> scores;  // attribute -> the suggested summary score
    std::optional<std::string> client_token;
};

// Parse and validate; throw ServiceError (invalid: every malformed or unknown field, an empty text
// or one over `max_text_bytes`).
AnalyzeRequest parse_analyze_request(const nlohmann::json& body, size_t max_text_bytes);
SuggestRequest parse_suggest_request(const nlohmann::json& body, size_t max_text_bytes);

// A sentence of a comment: its bytes, and its offsets in UTF-16 code units.
struct Span {
    size_t byte_begin = 0;
    size_t byte_end = 0;
    size_t begin = 0;
    size_t end = 0;
};
// The comment cut into sentences: after '.', '!', '?' (and runs of them, with closing quotes or
// brackets) followed by white space, and at line breaks. Leading white space belongs to no span.
std::vector<Span> sentence_spans(std::string_view text);

// Google's error shape; the status name follows the HTTP status.
void send_google_error(HttpResponse& res, int status, const std::string& message);

}  // namespace arbiter::service
