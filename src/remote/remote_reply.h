#pragma once
// What the remote protocols share: the function that posts one request (with the backend's
// retries and failover behind it) and the reading of a server's reply, where every way a server
// can fail (no answer, an HTTP error, a body that is not JSON) becomes one clear message.

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/backend.h"
#include "remote/http_request.h"

namespace arbiter::remote {

// Posts `body` to `path` on some endpoint of the backend; returns the last attempt's result.
using Post = std::function<HttpResult(const std::string& path, const nlohmann::json& body)>;
// The same, with a 200's body handed to `on_bytes` as it arrives (a streamed reply). A request that
// delivered any bytes is not retried: the receiver has seen them.
using StreamedPost = std::function<HttpResult(const std::string& path, const nlohmann::json& body,
                                              const HttpRequest::OnBytes& on_bytes)>;

// The reply as JSON when the server answered 200 with a JSON object; otherwise nullopt and `error`
// says why (including the server's own error message, when it gave one).
std::optional<nlohmann::json> read_reply(const HttpResult& result, std::string& error);

// Serializes a request body; invalid UTF-8 in strings becomes U+FFFD (never an exception).
std::string dump_body(const nlohmann::json& body);

// Adds the backend's extra request fields (RemoteOptions::extra_request_fields) to `body`: a
// logit_bias (a list of pairs or a map) is merged into the request's own, in the request's
// shape; any other field replaces it.
void merge_extra_fields(nlohmann::json& body, const nlohmann::json& extra);

// The number at `key` in `object`, or 0 when it is missing or not a number.
int int_field(const nlohmann::json& object, const char* key);
// The string at `key` in `object`, or empty when it is missing or not a string.
std::string string_field(const nlohmann::json& object, const char* key);

}  // namespace arbiter::remote
