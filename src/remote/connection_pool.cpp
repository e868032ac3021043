#include "remote/connection_pool.h"

#include <httplib.h>

namespace arbiter::remote {

ConnectionPool::ConnectionPool(BaseUrl base, std::string bearer_token, size_t max_idle)
    : base_(std::move(base)), token_(std::move(bearer_token)), max_idle_(max_idle) {}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<httplib::Client> ConnectionPool::take() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            std::unique_ptr<httplib::Client> client = std::move(idle_.back());
            idle_.pop_back();
            return client;
        }
        made_++;
    }
    auto client = std::make_unique<httplib::Client>(base_.scheme_host_port);
    // httplib checks a kept-alive socket before reusing it and connects again when the server
    // closed it meanwhile.
    client->set_keep_alive(true);
    if (!token_.empty()) client->set_bearer_token_auth(token_);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client->enable_server_certificate_verification(true);
#endif
    return client;
}

void ConnectionPool::give_back(std::unique_ptr<httplib::Client> client) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(client));
}

size_t ConnectionPool::made() const {
    std::lock_guard lock(mutex_);
    return made_;
}

}  // namespace arbiter::remote
