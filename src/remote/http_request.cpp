#include "remote/http_request.h"

#include <httplib.h>

namespace arbiter::remote {

HttpRequest::HttpRequest(const BaseUrl& base, std::string bearer_token)
    : base_(base), token_(std::move(bearer_token)) {}

HttpRequest::~HttpRequest() = default;

HttpResult HttpRequest::send(const std::string& path, const std::string& body,
                             std::chrono::milliseconds limit) {
    HttpResult result;
    httplib::Client* client = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (aborted_) {
            result.failure = HttpResult::Failure::aborted;
            result.error = "cancelled";
            return result;
        }
        client_ = std::make_unique<httplib::Client>(base_.scheme_host_port);
        client = client_.get();
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limit);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(limit - seconds);
    client->set_connection_timeout(seconds.count(), micros.count());
    client->set_read_timeout(seconds.count(), micros.count());
    client->set_write_timeout(seconds.count(), micros.count());
    client->set_keep_alive(false);
    if (!token_.empty()) client->set_bearer_token_auth(token_);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client->enable_server_certificate_verification(true);
#endif

    const std::string target = base_.path_prefix + path;
    const auto started = std::chrono::steady_clock::now();
    httplib::Result r = body.empty() ? client->Get(target) : client->Post(target, body, "application/json");
    {
        std::lock_guard lock(mutex_);
        if (aborted_) {
            result.failure = HttpResult::Failure::aborted;
            result.error = "cancelled";
            return result;
        }
    }
    if (r) {
        result.status = r->status;
        result.body = std::move(r->body);
        return result;
    }
    const httplib::Error e = r.error();
    const bool out_of_time = std::chrono::steady_clock::now() - started >= limit;
    if (e == httplib::Error::ConnectionTimeout ||
        ((e == httplib::Error::Read || e == httplib::Error::Write) && out_of_time)) {
        result.failure = HttpResult::Failure::timeout;
        result.error =
            "no answer from " + base_.scheme_host_port + " within " + std::to_string(limit.count()) + " ms";
    } else {
        result.failure = HttpResult::Failure::connection;
        result.error = base_.scheme_host_port + ": " + httplib::to_string(e);
    }
    return result;
}

void HttpRequest::abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    if (client_) client_->stop();
}

}  // namespace arbiter::remote
