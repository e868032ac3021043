#include "http/admission.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/service_error.h"
#include "http/http_reply.h"
#include "http/router.h"

namespace arbiter::service {

namespace {

// The key that authorizes `req` for `needed`. Throws ServiceError unauthenticated or forbidden.
ApiKeyEntry authorize(const KeyRing& keys, const HttpRequest& req, Role needed) {
    const std::string header = req.header("Authorization");
    const std::optional<std::string_view> key = bearer_token(header);
    if (!key)
        throw ServiceError(Refusal::unauthenticated, "an API key is required: Authorization: Bearer <key>");
    std::optional<ApiKeyEntry> entry = keys.find(*key);
    if (!entry) throw ServiceError(Refusal::unauthenticated, "the API key is not valid");
    if (!role_allows(entry->role, needed))
        throw ServiceError(Refusal::forbidden,
                           "this needs " + std::string(needed == Role::admin ? "an admin" : "a review") +
                               " key; '" + entry->name + "' is a " + std::string(to_string(entry->role)) +
                               " key");
    return *entry;
}

// A duration as OpenAI's reset headers write it ("1s", "6m0s", "0.25s").
std::string reset_text(double seconds) {
    if (seconds < 60) {
        char text[32];
        std::snprintf(text, sizeof text, "%gs", std::ceil(seconds * 1000) / 1000);
        return text;
    }
    const auto whole = static_cast<long long>(std::ceil(seconds));
    std::string text;
    if (whole >= 3600) text += std::to_string(whole / 3600) + "h";
    return text + std::to_string(whole % 3600 / 60) + "m" + std::to_string(whole % 60) + "s";
}

}  // namespace

std::optional<HttpResponse> Admission::admit(HttpRequest& request, std::optional<Role> needed,
                                             RateDecision& counted) {
    if (!needed || !keys_) return std::nullopt;
    ApiKeyEntry key;
    try {
        key = authorize(*keys_, request, *needed);
    } catch (const std::exception&) {  // on the reading thread: nothing may escape
        return refusal_of_current_exception();
    }
    request.caller = key.name;
    request.caller_role = std::string(to_string(key.role));
    request.caller_limit = limit_of(key);
    return count(key, request.caller_limit, counted);
}

std::optional<HttpResponse> Admission::count(const ApiKeyEntry& key, const RateLimit& limit,
                                             RateDecision& counted) {
    counted = buckets_.request(key.name, limit, RateBuckets::Clock::now(), utc_day_now());
    if (counted.admitted) return std::nullopt;
    HttpResponse refusal;
    const double wait = std::clamp(counted.retry_after_seconds, 0.001, 86400.0 * 366);
    send_error(refusal, 429,
               "key '" + key.name + "' is over its rate limit; retry after " + reset_text(wait) +
                   " (server.rate_limit, or the key's own limits)");
    refusal.set_header("Retry-After", std::to_string(static_cast<long long>(std::ceil(wait))));
    add_rate_headers(refusal, counted);
    refusal.hold = std::chrono::milliseconds(static_cast<long long>(std::min(wait, 1.0) * 1000));
    return refusal;
}

void Admission::add_rate_headers(HttpResponse& response, const RateDecision& counted) {
    if (counted.limit <= 0) return;
    response.set_header("x-ratelimit-limit-requests", std::to_string(counted.limit));
    response.set_header("x-ratelimit-remaining-requests",
                        std::to_string(std::max<int64_t>(counted.remaining, 0)));
    response.set_header("x-ratelimit-reset-requests", reset_text(counted.reset_seconds));
}

}  // namespace arbiter::service
