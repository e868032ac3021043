#include "service/upstream_client.h"

#include <httplib.h>

namespace arbiter::service {

UpstreamClient::UpstreamClient(const std::string& base_url, std::string bearer_token,
                               std::chrono::milliseconds limit)
    : base_(parse_base_url(base_url)), token_(std::move(bearer_token)), limit_(limit) {
    const std::string_view prefix = base_.path_prefix;
    if (prefix.size() < 3 || prefix.substr(prefix.size() - 3) != "/v1") base_.path_prefix += "/v1";
    url_ = base_.scheme_host_port + base_.path_prefix;
}

UpstreamReply UpstreamClient::post(const std::string& path, const std::string& json,
                                   const std::function<void(int)>& on_status,
                                   const std::function<bool(std::string_view)>& on_bytes) const {
    httplib::Client client(base_.scheme_host_port);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(limit_);
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(limit_ - seconds);
    client.set_connection_timeout(std::min<time_t>(seconds.count(), 10), micros.count());
    client.set_read_timeout(seconds.count(), micros.count());
    client.set_write_timeout(seconds.count(), micros.count());
    client.set_keep_alive(false);
    if (!token_.empty()) client.set_bearer_token_auth(token_);
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client.enable_server_certificate_verification(true);
#endif
    UpstreamReply reply;
    bool stopped = false;
    httplib::Request request;
    request.method = "POST";
    request.path = base_.path_prefix + path;
    request.body = json;
    request.set_header("Content-Type", "application/json");
    request.set_header("Accept", on_bytes ? "text/event-stream" : "application/json");
    request.response_handler = [&](const httplib::Response& response) {
        reply.status = response.status;
        if (on_status) on_status(response.status);
        return true;
    };
    request.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        if (!on_bytes || reply.status != 200) {
            reply.body.append(data, n);
            return reply.body.size() <= (size_t{64} << 20);
        }
        stopped = !on_bytes(std::string_view(data, n));
        return !stopped;
    };
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    if (!client.send(request, response, error)) {
        reply.error = stopped ? "stopped" : httplib::to_string(error);
    }
    return reply;
}

}  // namespace arbiter::service
