#include "remote/http_request.h"

#include <httplib.h>

#include <stdexcept>

namespace arbiter::remote {

BaseUrl parse_base_url(const std::string& url) {
    const size_t scheme_end = url.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https")
        throw std::invalid_argument("endpoint '" + url + "' must start with http:// or https://");
    const size_t host_begin = scheme_end + 3;
    const size_t path_begin = url.find('/', host_begin);
    BaseUrl base;
    base.scheme_host_port = url.substr(0, path_begin);
    if (base.scheme_host_port.size() == host_begin)
        throw std::invalid_argument("endpoint '" + url + "' has no host");
    if (path_begin != std::string::npos) {
        base.path_prefix = url.substr(path_begin);
        while (!base.path_prefix.empty() && base.path_prefix.back() == '/') base.path_prefix.pop_back();
    }
    return base;
}

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
