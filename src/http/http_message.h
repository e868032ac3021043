#pragma once
// A request and its answer as the routes see them, whatever transport carried them: the method,
// the path, its decoded query, the headers and the whole (already decoded) body in; a status,
// headers and a body out. Routes never see a socket, so they can be tested and fuzzed alone.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/rate_limit.h"
#include "core/span.h"

namespace arbiter::service {

struct HttpRequest {
    std::string method;                                        // "GET", "POST", ...
    std::string path;                                          // without the query
    std::vector<std::pair<std::string, std::string>> query;    // percent-decoded, in order
    std::vector<std::pair<std::string, std::string>> headers;  // names as sent
    std::string body;
    std::vector<std::string> path_params;  // the {name} segments the route matched, in order
    std::string caller;                    // the name of the API key that authorized it (none: "")
    std::string caller_role;               // that key's role ("classify", "review", "admin"; none: "")
    RateLimit caller_limit;                // that key's rate limit (none: unlimited), for its jobs
    Tracing tracing = {};                  // its server span (http/request_trace.h): its work's parent
    std::string peer;                      // the client's IP address ("" when not over a socket)

    // The first header named `name` (case-insensitive); empty when absent.
    std::string header(std::string_view name) const;
    // The first query parameter named `name`.
    std::optional<std::string> param(std::string_view name) const;
};

class BodyStream;
class LateResponse;

struct HttpResponse {
    int status = 200;
    std::string content_type;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // When set, the body is this stream's bytes as they are written (service/body_stream.h), sent
    // chunked; `body` is ignored.
    std::shared_ptr<BodyStream> stream;
    // When set, this is no answer yet: the answer comes through `later` from another thread
    // (service/late_response.h), and everything else here is ignored.
    std::shared_ptr<LateResponse> later;
    // How long the transport waits before sending it: a refusal that slows a client asking again
    // at once, without a thread or a worker held (http/admission.h).
    std::chrono::milliseconds hold{0};

    void set_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
    }
};

// The credentials of an `Authorization: Bearer <token>` header: the scheme in any case (RFC 7235),
// the token after one or more spaces. nullopt for another scheme or none.
std::optional<std::string_view> bearer_token(std::string_view header);

// Whether a response header can be sent as it is: a token for a name, no CR, LF or NUL in the
// value (one from elsewhere, an upstream's, would otherwise split the answer). The transport
// leaves out any other.
bool is_sendable_header(std::string_view name, std::string_view value);

// Splits a request target ("/path?a=1&b=x%20y") into its path and percent-decoded parameters
// ('+' is a space, as HTML forms send it). Returns false for a malformed escape.
bool split_target(std::string_view target, std::string& path,
                  std::vector<std::pair<std::string, std::string>>& query);

}  // namespace arbiter::service
