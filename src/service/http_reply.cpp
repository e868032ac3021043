#include "service/http_reply.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/json_input.h"
#include "service/request_error.h"

namespace arbiter::service {

namespace {

std::string_view error_type(int status) {
    switch (status) {
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 409:
        return "conflict_error";
    case 413:
        return "request_too_large";
    case 429:
        return "rate_limit_error";
    case 504:
        return "timeout_error";
    default:
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

void authorize(const ServiceContext& context, const httplib::Request& req, Role needed) {
    if (!context.keys) return;
    const std::string header = req.get_header_value("Authorization");
    // The scheme is case-insensitive (RFC 7235), the key after one or more spaces is not.
    constexpr std::string_view kBearer = "bearer";
    const bool bearer = header.size() > kBearer.size() && header[kBearer.size()] == ' ' &&
                        std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
                            return a == std::tolower(static_cast<unsigned char>(b));
                        });
    if (!bearer) throw RequestError(401, "an API key is required: Authorization: Bearer <key>");
    const size_t key_at = header.find_first_not_of(' ', kBearer.size());
    const std::optional<ApiKeyEntry> entry = context.keys->find(
        key_at == std::string::npos ? std::string_view() : std::string_view(header).substr(key_at));
    if (!entry) throw RequestError(401, "the API key is not valid");
    if (needed == Role::admin && entry->role != Role::admin)
        throw RequestError(403, "this needs an admin key; '" + entry->name + "' is a classify key");
}

}  // namespace

void send_json(httplib::Response& res, int status, const nlohmann::ordered_json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(
        res, status,
        {{"error", {{"message", message}, {"type", std::string(error_type(status))}, {"code", status}}}});
}

nlohmann::json parse_body(const httplib::Request& req) {
    std::string error;
    std::optional<nlohmann::json> body = parse_json(req.body, error);
    if (!body) throw RequestError(400, "the body is not valid JSON: " + error);
    return std::move(*body);
}

std::optional<int> whole_number(const std::string& text) {
    int value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end) return std::nullopt;
    return value;
}

std::string random_id(std::string_view prefix) {
    unsigned char bytes[12];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for an id");
    std::string id(prefix);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char b : bytes) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 0xf]);
    }
    return id;
}

Handler guarded(const ServiceContext& context, std::optional<Role> role, Handler handler) {
    return
        [&context, role, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
            try {
                if (role) authorize(context, req, *role);
                handler(req, res);
            } catch (const RequestError& e) {
                if (e.status() == 401) res.set_header("WWW-Authenticate", "Bearer");
                if (e.status() == 429 || e.status() == 503) res.set_header("Retry-After", "1");
                send_error(res, e.status(), e.what());
            } catch (const storage::SqliteError& e) {
                res.set_header("Retry-After", "5");
                send_error(res, 503, std::string("the decision log is unavailable: ") + e.what());
            }
        };
}

}  // namespace arbiter::service
