#pragma once
// Why the service refuses a request, in the service's own terms. Domain code throws a
// ServiceError with a Refusal; only the router (http/router.h) turns a refusal into an HTTP
// status and an error body, so no HTTP status is named outside the routes and the transport.

#include <stdexcept>
#include <string>

namespace arbiter {

enum class Refusal {
    invalid,          // the request is malformed or names something it may not (400)
    unauthenticated,  // no key, or not a valid one (401)
    forbidden,        // the key's role does not allow it (403)
    not_found,        // no such policy, version, decision, stream or run (404)
    conflict,         // the state does not allow it now: a version taken, a stream ended (409)
    misdirected,      // another instance holds it (a stream): send the request there (421)
    too_large,        // over a limit that retrying cannot change (413)
    busy,             // over a limit that frees up: retry later (429, with Retry-After)
    internal,         // the server's own fault (500)
    upstream_failed,  // the gateway's upstream could not be reached or answered nonsense (502)
    unavailable,      // the model loads, the server drains, or a store is down (503, Retry-After)
    timed_out,        // no answer within the time allowed (504)
};

class ServiceError : public std::runtime_error {
public:
    ServiceError(Refusal refusal, const std::string& message)
        : std::runtime_error(message), refusal_(refusal) {}
    Refusal refusal() const { return refusal_; }

private:
    Refusal refusal_;
};

}  // namespace arbiter
