#include "compat/perspective_discovery.h"

namespace arbiter::service {

namespace {

// The methods and types of commentanalyzer v1alpha1 that arbiter serves; fields it does not
// serve are left out, so a client that reads the document sees what works.
constexpr const char* kDocument = R"json({
  "kind": "discovery#restDescription",
  "discoveryVersion": "v1",
  "id": "commentanalyzer:v1alpha1",
  "name": "commentanalyzer",
  "canonicalName": "Comment Analyzer",
  "version": "v1alpha1",
  "revision": "arbiter",
  "title": "Perspective Comment Analyzer API, served by arbiter",
  "description": "Scores comments against readable policies, one policy per attribute.",
  "protocol": "rest",
  "servicePath": "",
  "batchPath": "batch",
  "parameters": {
    "key": {"type": "string", "location": "query", "description": "An API key of this server."},
    "alt": {"type": "string", "location": "query", "default": "json", "enum": ["json"],
            "description": "Data format for the response."},
    "prettyPrint": {"type": "boolean", "location": "query", "default": "true",
                    "description": "Ignored: answers are compact JSON."},
    "$.xgafv": {"type": "string", "location": "query", "enum": ["1", "2"], "description": "V1 error format."},
    "fields": {"type": "string", "location": "query", "description": "Ignored: every field is returned."},
    "quotaUser": {"type": "string", "location": "query", "description": "Ignored."}
  },
  "schemas": {
    "TextEntry": {"id": "TextEntry", "type": "object", "properties": {
      "text": {"type": "string"}, "type": {"type": "string", "enum": ["TEXT_TYPE_UNSPECIFIED", "PLAIN_TEXT"]}}},
    "Context": {"id": "Context", "type": "object", "properties": {
      "entries": {"type": "array", "items": {"$ref": "TextEntry"}}}},
    "AttributeParameters": {"id": "AttributeParameters", "type": "object", "properties": {
      "scoreType": {"type": "string", "enum": ["SCORE_TYPE_UNSPECIFIED", "PROBABILITY"]},
      "scoreThreshold": {"type": "number", "format": "float"}}},
    "Score": {"id": "Score", "type": "object", "properties": {
      "value": {"type": "number", "format": "float"}, "type": {"type": "string"}}},
    "SpanScore": {"id": "SpanScore", "type": "object", "properties": {
      "begin": {"type": "integer", "format": "int32", "description": "UTF-16 code units."},
      "end": {"type": "integer", "format": "int32", "description": "UTF-16 code units, exclusive."},
      "score": {"$ref": "Score"}}},
    "AttributeScores": {"id": "AttributeScores", "type": "object", "properties": {
      "summaryScore": {"$ref": "Score"}, "spanScores": {"type": "array", "items": {"$ref": "SpanScore"}}}},
    "AnalyzeCommentRequest": {"id": "AnalyzeCommentRequest", "type": "object", "properties": {
      "comment": {"$ref": "TextEntry"}, "context": {"$ref": "Context"},
      "requestedAttributes": {"type": "object", "additionalProperties": {"$ref": "AttributeParameters"}},
      "spanAnnotations": {"type": "boolean"}, "languages": {"type": "array", "items": {"type": "string"}},
      "doNotStore": {"type": "boolean"}, "clientToken": {"type": "string"}, "sessionId": {"type": "string"},
      "communityId": {"type": "string"}}},
    "AnalyzeCommentResponse": {"id": "AnalyzeCommentResponse", "type": "object", "properties": {
      "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
      "languages": {"type": "array", "items": {"type": "string"}}, "clientToken": {"type": "string"}}},
    "SuggestCommentScoreRequest": {"id": "SuggestCommentScoreRequest", "type": "object", "properties": {
      "comment": {"$ref": "TextEntry"}, "context": {"$ref": "Context"},
      "attributeScores": {"type": "object", "additionalProperties": {"$ref": "AttributeScores"}},
      "languages": {"type": "array", "items": {"type": "string"}}, "communityId": {"type": "string"},
      "clientToken": {"type": "string"}, "sessionId": {"type": "string"}}},
    "SuggestCommentScoreResponse": {"id": "SuggestCommentScoreResponse", "type": "object", "properties": {
      "clientToken": {"type": "string"}}}
  },
  "resources": {
    "comments": {
      "methods": {
        "analyze": {
          "id": "commentanalyzer.comments.analyze", "path": "v1alpha1/comments:analyze",
          "flatPath": "v1alpha1/comments:analyze", "httpMethod": "POST", "parameters": {}, "parameterOrder": [],
          "request": {"$ref": "AnalyzeCommentRequest"}, "response": {"$ref": "AnalyzeCommentResponse"},
          "description": "Scores a comment with the policies its requested attributes map to."},
        "suggestscore": {
          "id": "commentanalyzer.comments.suggestscore", "path": "v1alpha1/comments:suggestscore",
          "flatPath": "v1alpha1/comments:suggestscore", "httpMethod": "POST", "parameters": {},
          "parameterOrder": [], "request": {"$ref": "SuggestCommentScoreRequest"},
          "response": {"$ref": "SuggestCommentScoreResponse"},
          "description": "Stores a suggested score as a review label of the attribute's policy."}
      }
    }
  }
})json";

}  // namespace

nlohmann::ordered_json perspective_discovery(const std::string& root_url) {
    nlohmann::ordered_json document = nlohmann::ordered_json::parse(kDocument);
    document["rootUrl"] = root_url;
    document["baseUrl"] = root_url;
    return document;
}

}  // namespace arbiter::service
