#include "remote/http_request.h"

#include <httplib.h>

namespace arbiter::remote {

namespace {

// Retry-After as delay-seconds; an HTTP date (rare from model servers) is left to the backoff.
std::optional<double> retry_after(const httplib::Response& response) {
    const std::string value = response.get_header_value("Retry-After");
    if (value.empty() || value.size() > 9 || value.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stod(value);
}

}  // namespace

HttpRequest::HttpRequest(ConnectionPool& connections) : connections_(connections) {}

HttpRequest::HttpRequest(const BaseUrl& base, std::string bearer_token)
    : own_(std::make_unique<ConnectionPool>(base, std::move(bearer_token), 0)), connections_(*own_) {}

HttpRequest::~HttpRequest() = default;

void HttpRequest::name_trace(const TraceContext& context) {
    if (context.valid()) headers_.emplace_back("traceparent", format_traceparent(context));
}

namespace {

// POSTs `body` and hands a 200's body to `on_bytes` as it arrives; any other status's body is kept.
httplib::Result post_streamed(httplib::Client& client, const std::string& target, const std::string& body,
                              const httplib::Headers& headers, const HttpRequest::OnBytes& on_bytes) {
    httplib::Request request;
    request.headers = headers;
    request.method = "POST";
    request.path = target;
    request.body = body;
    request.set_header("Content-Type", "application/json");
    request.set_header("Accept", "text/event-stream");
    int status = 0;
    std::string other;
    request.response_handler = [&status](const httplib::Response& response) {
        status = response.status;
        return true;
    };
    request.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        if (status == 200) return on_bytes(std::string_view(data, n));
        other.append(data, n);
        return other.size() <= (size_t{16} << 20);
    };
    auto response = std::make_unique<httplib::Response>();
    httplib::Error error = httplib::Error::Success;
    const bool sent = client.send(request, *response, error);
    if (!sent) return {nullptr, error};
    if (status != 200) response->body = std::move(other);
    return {std::move(response), httplib::Error::Success};
}

}  // namespace

HttpResult HttpRequest::send(const std::string& path, const std::string& body,
                             std::chrono::milliseconds limit, const OnBytes& on_bytes) {
    HttpResult result;
    httplib::Client* client = nullptr;
    {
        std::lock_guard lock(mutex_);
        if (aborted_) {
            result.failure = HttpResult::Failure::aborted;
            result.error = "cancelled";
            return result;
        }
        client_ = connections_.take();
        client = client_.get();
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limit);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(limit - seconds);
    client->set_connection_timeout(seconds.count(), micros.count());
    client->set_read_timeout(seconds.count(), micros.count());
    client->set_write_timeout(seconds.count(), micros.count());
    const BaseUrl& base = connections_.base();
    const std::string target = base.path_prefix + path;
    const httplib::Headers headers(headers_.begin(), headers_.end());
    const auto started = std::chrono::steady_clock::now();
    httplib::Result r = body.empty() ? client->Get(target, headers)
                        : on_bytes   ? post_streamed(*client, target, body, headers, on_bytes)
                                     : client->Post(target, headers, body, "application/json");
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
        result.retry_after_s = retry_after(*r);
        result.body = std::move(r->body);
        std::lock_guard lock(mutex_);
        if (!aborted_ && r->get_header_value("Connection") != "close")
            connections_.give_back(std::move(client_));
        return result;
    }
    const httplib::Error e = r.error();
    const bool out_of_time = std::chrono::steady_clock::now() - started >= limit;
    if (e == httplib::Error::ConnectionTimeout ||
        ((e == httplib::Error::Read || e == httplib::Error::Write) && out_of_time)) {
        result.failure = HttpResult::Failure::timeout;
        result.error =
            "no answer from " + base.scheme_host_port + " within " + std::to_string(limit.count()) + " ms";
    } else {
        result.failure = HttpResult::Failure::connection;
        result.error = base.scheme_host_port + ": " + httplib::to_string(e);
    }
    return result;
}

void HttpRequest::abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    if (client_) client_->stop();
}

}  // namespace arbiter::remote
