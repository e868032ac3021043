#pragma once
// Who may make a request, and whether they may make it now: the caller's API key checked for the
// route's role, then the request counted against the key's rate limit (its own from the keys
// file, or the configuration's default). Runs on the thread that read the request, before it is
// queued, so a refusal costs no worker and takes no place a well-behaved client needs.
//
// A refusal for the limit is a 429 with Retry-After and OpenAI's x-ratelimit-* headers, held back
// by the transport for up to a second (HttpResponse::hold): a client that ignores Retry-After
// and asks again at once is slowed to one refusal a second per connection instead of taking the
// CPU. Admitted answers carry the same headers.

#include <chrono>
#include <memory>
#include <optional>

#include "core/rate_limit.h"
#include "http/api_keys.h"
#include "http/http_message.h"

namespace arbiter::service {

class Admission {
public:
    // `keys` null: no keys, every caller the anonymous admin, unlimited.
    Admission(std::unique_ptr<KeyRing> keys, RateLimit default_limit)
        : keys_(std::move(keys)), default_limit_(default_limit) {}

    // Sets request.caller and caller_role from its key when `needed` (a route's role) asks for one;
    // the refusal (401, 403, 429) when it may not go on. `counted` gets the key's standing.
    std::optional<HttpResponse> admit(HttpRequest& request, std::optional<Role> needed,
                                      RateDecision& counted);

    // Counts a request of `key` (which a route checked itself: Perspective's ?key=) against its
    // rate limit, `limit` (its own over the default); the refusal when it is over.
    std::optional<HttpResponse> count(const ApiKeyEntry& key, const RateLimit& limit, RateDecision& counted);
    // `key`'s limit: its own fields over the configuration's default.
    RateLimit limit_of(const ApiKeyEntry& key) const {
        return key.rate_limit ? over(*key.rate_limit, default_limit_) : default_limit_;
    }

    // OpenAI's x-ratelimit-* headers for `counted`, when the key has a request limit.
    static void add_rate_headers(HttpResponse& response, const RateDecision& counted);

    const KeyRing* keys() const { return keys_.get(); }
    KeyRing* keys() { return keys_.get(); }

private:
    const std::unique_ptr<KeyRing> keys_;
    const RateLimit default_limit_;
    RateBuckets buckets_;
};

}  // namespace arbiter::service
