#pragma once
// The HTTP/1.1 transport (Boost.Beast on Asio): connections are sockets waiting in one event
// loop, not threads, so slow or idle clients cost a file descriptor and a small buffer each.
// Whole requests, within the limits below, go to the router: quick routes on the loop's threads,
// blocking ones on a bounded worker pool. Every limit answers with its status and closes:
//
//   headers over max_header_bytes          431     a body over max_body_bytes     413
//   (after Content-Encoding is undone, whatever the framing: Content-Length or chunked)
//   an encoding other than gzip/deflate    415     malformed HTTP                 400
//   headers not in within header_timeout   408     body not in within body_timeout 408
//   more than max_connections open         503     worker queue full              429
//
// A keep-alive connection waits idle_timeout for its next request.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "http/router.h"

namespace arbiter::service {

struct HttpLimits {
    size_t max_body_bytes = size_t{2} * 1024 * 1024;
    size_t max_header_bytes = size_t{16} * 1024;
    size_t max_connections = 4096;
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds body_timeout{30000};
    std::chrono::milliseconds idle_timeout{30000};
    std::chrono::milliseconds write_timeout{30000};
    size_t workers = 32;       // blocking requests handled at once
    size_t max_pending = 128;  // blocking requests waiting for a worker
};

class HttpServer {
public:
    HttpServer(const Router& router, HttpLimits limits);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds host:port (port 0: any free one) and returns the port. Raises the process's open-file
    // limit to its hard limit; max_connections is capped to what that limit allows. Throws
    // std::runtime_error when the address cannot be bound.
    int bind(const std::string& host, int port);
    // The connection limit in force after bind().
    size_t connection_limit() const;
    // Serves until stop(); returns once every request being handled has been answered.
    void run();
    // Stops accepting, closes idle connections, lets the requests being handled finish. Safe from
    // any thread, before run() too, and more than once.
    void stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace arbiter::service
