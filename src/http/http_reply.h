#pragma once
// The pieces every route shares: JSON answers, OpenAI-shaped errors
// ({"error": {"message", "type", "param": null, "code"}}, code a string as OpenAI's are), request
// bodies, query numbers and ids.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/http_message.h"

namespace arbiter::service {

void send_json(HttpResponse& res, int status, const nlohmann::ordered_json& body);
void send_error(HttpResponse& res, int status, const std::string& message);

// The body as JSON; ServiceError invalid when it is not.
nlohmann::json parse_body(const HttpRequest& req);

// A query parameter that must be a whole number.
std::optional<int> whole_number(const std::string& text);
// The name of the key that authorized `req`, or "anonymous" on a server without keys: who a
// review, a run or a rule change is recorded as made by.
std::string caller_name(const HttpRequest& req);

}  // namespace arbiter::service
