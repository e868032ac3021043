#pragma once
// Kept-alive connections to one server. A GPU server answers many short requests a second (a score
// is one token); a new TCP (and TLS) connection for each would cost more than some of them. A
// request takes an idle connection or makes one, and gives it back after a complete answer; one
// that failed or was aborted is dropped, never reused. At most `max_idle` wait.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/base_url.h"

namespace httplib {
class Client;
}

namespace arbiter::remote {

class ConnectionPool {
public:
    ConnectionPool(BaseUrl base, std::string bearer_token, size_t max_idle);
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    const BaseUrl& base() const { return base_; }
    // An idle connection, or a new client (which connects on its first request).
    std::unique_ptr<httplib::Client> take();
    void give_back(std::unique_ptr<httplib::Client> client);
    // Connections made so far (for tests: reuse keeps it low).
    size_t made() const;

private:
    BaseUrl base_;
    std::string token_;
    size_t max_idle_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<httplib::Client>> idle_;
    size_t made_ = 0;
};

}  // namespace arbiter::remote
