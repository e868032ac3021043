#pragma once
// One HTTP exchange with a server: JSON in, status and body out, with a bearer token, TLS for
// https:// URLs (server certificates verified) and a time limit, over a kept-alive connection of
// the server's ConnectionPool. Another thread may abort it (the job was cancelled). Failures are
// values, never exceptions.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base_url.h"
#include "core/trace_context.h"
#include "remote/connection_pool.h"

namespace arbiter::remote {

struct HttpResult {
    enum class Failure {
        none,        // the server answered (any status)
        connection,  // refused, reset, TLS failure, ...
        timeout,     // no answer within the time limit
        aborted,     // abort() was called
    };
    Failure failure = Failure::none;
    int status = 0;
    std::string body;
    std::string error;  // what went wrong, when failure is not none
    int attempts = 1;   // set by the backend's retries
    // The server's Retry-After in seconds (429 and 503 send it), when it gave a number.
    std::optional<double> retry_after_s;
};

using arbiter::BaseUrl;
using arbiter::parse_base_url;

class HttpRequest {
public:
    // A request over `connections`, which must outlive it.
    explicit HttpRequest(ConnectionPool& connections);
    // A request on a connection of its own (closed after it).
    HttpRequest(const BaseUrl& base, std::string bearer_token);
    ~HttpRequest();

    // Receives a 200's body as it arrives (Server-Sent Events); false stops the request.
    using OnBytes = std::function<bool(std::string_view bytes)>;

    // POST `body` (JSON) to base + path; GET when `body` is empty. With `on_bytes`, a 200's body
    // goes there as it arrives instead of into the result.
    HttpResult send(const std::string& path, const std::string& body, std::chrono::milliseconds limit,
                    const OnBytes& on_bytes = {});
    // Ends a send() in progress on another thread (it returns Failure::aborted), or the next one.
    void abort();
    // Every send() then carries `context` as its W3C traceparent header (none when invalid).
    void name_trace(const TraceContext& context);

private:
    std::unique_ptr<ConnectionPool> own_;
    ConnectionPool& connections_;
    std::mutex mutex_;
    std::unique_ptr<httplib::Client> client_;
    bool aborted_ = false;
    std::vector<std::pair<std::string, std::string>> headers_;  // sent with every request
};

}  // namespace arbiter::remote
