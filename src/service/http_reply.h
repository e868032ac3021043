#pragma once
// The pieces every route shares: JSON answers, OpenAI-shaped errors
// ({"error": {"message", "type", "param": null, "code"}}, code a string as OpenAI's are), request
// bodies, query numbers and ids.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "service/http_message.h"

namespace arbiter::service {

void send_json(HttpResponse& res, int status, const nlohmann::ordered_json& body);
void send_error(HttpResponse& res, int status, const std::string& message);

// The body as JSON; ServiceError invalid when it is not.
nlohmann::json parse_body(const HttpRequest& req);

// A query parameter that must be a whole number.
std::optional<int> whole_number(const std::string& text);
// A JSON value that must be a whole number from `low` to `high`; nullopt for anything else (a
// fraction, a string, a number out of range: never wrapped to fit, as get<int>() would).
std::optional<int64_t> whole_number_in(const nlohmann::json& value, int64_t low, int64_t high);

// The name of the key that authorized `req`, or "anonymous" on a server without keys: who a
// review, a run or a rule change is recorded as made by.
std::string caller_name(const HttpRequest& req);

// `prefix` and 24 random hex digits, e.g. "req_3f2a...".
std::string random_id(std::string_view prefix);

}  // namespace arbiter::service
