#pragma once
// The body of POST /v1/streams, validated:
//
//   {"policies": ["spam", {"id": "hate", "check_every_tokens": 8, "threshold": 0.7,
//                          "consecutive": 2, "at_sentence_ends": true, "at_close": "score" | "reason"}],
//    "context": "the prompt" | {"prompt": "..."} | {"messages": [...]}}
//
// Each setting a policy object leaves out is the policy's own (its front matter's `stream:`). A
// context of messages grows its last turn when that is the assistant's, else a new assistant turn.
// The body of POST /v1/streams/{id}/append is {"text": "..."}.
//
// Every problem is a ServiceError (invalid; not_found for an unknown policy) naming the field.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/policy.h"
#include "streams/stream_sessions.h"

namespace arbiter::service {

inline constexpr size_t kMaxStreamPolicies = 8;

using PolicyLookup = std::function<std::shared_ptr<const Policy>(const std::string& id)>;

StreamOpen parse_stream_open(const nlohmann::json& body, const PolicyLookup& lookup);

std::string parse_stream_append(const nlohmann::json& body);

}  // namespace arbiter::service
