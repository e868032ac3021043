#pragma once
// Query parameters the review API's listings share: time bounds and whole numbers, refused with a
// message naming the parameter.

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_message.h"

namespace arbiter::service {

// `value`, an ISO 8601 UTC date or time, in the log's form (storage/decision_log.h); ServiceError
// invalid naming `name` for anything else. With `end_of_day`, a bare date means to the end of that
// day (a person searching "to 1 December" means all of it), so it becomes the start of the next.
std::string time_bound(const std::string& name, const std::string& value, bool end_of_day);

// ServiceError invalid naming the first of `req`'s query parameters that is not one of `known`,
// and listing them.
void only_parameters(const HttpRequest& req, std::initializer_list<std::string_view> known);

// A whole number from 1, or ServiceError invalid naming the parameter.
int64_t positive(const std::string& name, const std::string& value);

// The request's `limit`, 1 to 1000 (ServiceError invalid beyond), or `fallback` without one.
int page_limit(const HttpRequest& req, int fallback);

// A page of a listing, newest first: {`name`: rows, "next_before": the last row's `id_key`, to pass
// as `before` for the next (older) page, or null when this page is the last}.
void send_page(HttpResponse& res, std::string_view name, std::vector<nlohmann::ordered_json> rows, int limit,
               std::string_view id_key);

}  // namespace arbiter::service
