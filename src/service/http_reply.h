#pragma once
// The pieces every route shares over cpp-httplib: JSON answers, OpenAI-shaped errors
// ({"error": {"message", "type", "code"}}), request bodies, query numbers, ids, and the guard that
// checks a route's API key and turns RequestError into its status.

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "service/api_keys.h"
#include "service/service_context.h"

namespace arbiter::service {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

void send_json(httplib::Response& res, int status, const nlohmann::ordered_json& body);
void send_error(httplib::Response& res, int status, const std::string& message);

// The body as JSON; RequestError 400 when it is not.
nlohmann::json parse_body(const httplib::Request& req);

// A query parameter that must be a whole number.
std::optional<int> whole_number(const std::string& text);

// `prefix` and 24 random hex digits, e.g. "req_3f2a...".
std::string random_id(std::string_view prefix);

// `handler` behind the API key check for `role` (none: open), with RequestError and a failing
// decision log answered as errors.
Handler guarded(const ServiceContext& context, std::optional<Role> role, Handler handler);

}  // namespace arbiter::service
