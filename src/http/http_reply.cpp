#include "http/http_reply.h"

#include <charconv>

#include "core/json_input.h"
#include "core/service_error.h"

namespace arbiter::service {

namespace {

// OpenAI's error type and a string code naming the case, as OpenAI's SDKs read them.
struct ErrorKind {
    std::string_view type;
    std::string_view code;
};

ErrorKind error_kind(int status) {
    switch (status) {
    case 401:
        return {"authentication_error", "invalid_api_key"};
    case 403:
        return {"permission_error", "insufficient_role"};
    case 404:
        return {"not_found_error", "not_found"};
    case 405:
        return {"invalid_request_error", "method_not_allowed"};
    case 409:
        return {"conflict_error", "conflict"};
    case 413:
        return {"request_too_large", "request_too_large"};
    case 415:
        return {"invalid_request_error", "unsupported_content_encoding"};
    case 421:
        return {"invalid_request_error", "held_by_another_instance"};
    case 429:
        return {"rate_limit_error", "rate_limit_exceeded"};
    case 431:
        return {"invalid_request_error", "headers_too_large"};
    case 502:
        return {"server_error", "no_verdict"};
    case 503:
        return {"server_error", "unavailable"};
    case 504:
        return {"timeout_error", "timeout"};
    default:
        return status >= 500 ? ErrorKind{"server_error", "server_error"}
                             : ErrorKind{"invalid_request_error", "invalid_request"};
    }
}

}  // namespace

void send_json(HttpResponse& res, int status, const nlohmann::ordered_json& body) {
    res.status = status;
    res.content_type = "application/json";
    res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void send_error(HttpResponse& res, int status, const std::string& message) {
    send_json(res, status,
              {{"error",
                {{"message", message},
                 {"type", std::string(error_kind(status).type)},
                 {"param", nullptr},
                 {"code", std::string(error_kind(status).code)}}}});
}

nlohmann::json parse_body(const HttpRequest& req) {
    std::string error;
    std::optional<nlohmann::json> body = parse_json(req.body, error);
    if (!body) throw ServiceError(Refusal::invalid, "the body is not valid JSON: " + error);
    return std::move(*body);
}

std::optional<int> whole_number(const std::string& text) {
    int value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end) return std::nullopt;
    return value;
}

std::string caller_name(const HttpRequest& req) {
    return req.caller.empty() ? "anonymous" : req.caller;
}

}  // namespace arbiter::service
