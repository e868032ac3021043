#include "streams/upstream_client.h"

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace arbiter::service {

namespace {

using Clock = std::chrono::steady_clock;

// Stops `client`'s request at `deadline`, or once `abandoned` says so, unless it ends first.
// httplib's timeouts are per read and write: a server that sends a byte now and then would
// otherwise hold the request (and the client's connection) for as long as it likes.
class Watchdog {
public:
    Watchdog(httplib::Client& client, Clock::time_point deadline, const std::function<bool()>& abandoned)
        : thread_([this, &client, deadline, &abandoned] { watch(client, deadline, abandoned); }) {}
    ~Watchdog() {
        {
            const std::lock_guard lock(mutex_);
            done_ = true;
        }
        woken_.notify_one();
        thread_.join();
    }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    bool expired() const { return expired_; }      // the deadline stopped it
    bool abandoned() const { return abandoned_; }  // the caller's abandonment stopped it

private:
    void watch(httplib::Client& client, Clock::time_point deadline, const std::function<bool()>& abandoned) {
        std::unique_lock lock(mutex_);
        while (!done_) {
            woken_.wait_until(lock, std::min(deadline, Clock::now() + UpstreamClient::kPoll));
            if (done_) return;
            const bool late = Clock::now() >= deadline;
            if (!late && !(abandoned && abandoned())) continue;
            (late ? expired_ : abandoned_) = true;
            // Again each poll until the request ends: a stop before its socket opened is lost.
            client.stop();
        }
    }

    std::mutex mutex_;
    std::condition_variable woken_;
    bool done_ = false;
    std::atomic<bool> expired_ = false;
    std::atomic<bool> abandoned_ = false;
    std::thread thread_;  // last: started once the rest is ready
};

}  // namespace

std::string token_from_env(const std::string& variable) {
    if (variable.empty()) return {};
    const char* value = std::getenv(variable.c_str());
    return value ? value : "";
}

UpstreamClient::UpstreamClient(const std::string& base_url, std::string bearer_token,
                               std::chrono::milliseconds limit, Base base)
    : base_(parse_base_url(base_url)), token_(std::move(bearer_token)), limit_(limit) {
    const std::string_view prefix = base_.path_prefix;
    const bool versioned = prefix.size() >= 3 && prefix.substr(prefix.size() - 3) == "/v1";
    if (base == Base::openai && !versioned) base_.path_prefix += "/v1";
    url_ = base_.scheme_host_port + base_.path_prefix;
}

UpstreamReply UpstreamClient::post(const std::string& path, const std::string& json,
                                   const UpstreamCall& call) const {
    return send({"POST", path, json, {}}, call);
}

UpstreamReply UpstreamClient::send(const UpstreamRequest& sent_request, const UpstreamCall& call) const {
    const Clock::time_point deadline = Clock::now() + limit_;
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
    request.method = sent_request.method;
    request.path = base_.path_prefix;
    request.path.append(sent_request.path);
    if (request.path.empty()) request.path.push_back('/');
    request.body = sent_request.body;
    for (const auto& [name, value] : sent_request.headers) request.set_header(name, value);
    if (!request.has_header("Content-Type") && !request.body.empty())
        request.set_header("Content-Type", "application/json");
    if (!request.has_header("Accept"))
        request.set_header("Accept", call.on_bytes ? "text/event-stream" : "application/json");
    request.response_handler = [&](const httplib::Response& response) {
        reply.status = response.status;
        reply.headers.assign(response.headers.begin(), response.headers.end());
        if (call.on_status) call.on_status(response.status, reply.headers);
        return true;
    };
    request.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
        const bool heard = reply.status == 200 || (call.any_success && reply.status / 100 == 2);
        if (!call.on_bytes || !heard) {
            reply.body.append(data, n);
            return reply.body.size() <= (size_t{64} << 20);
        }
        stopped = !call.on_bytes(std::string_view(data, n));
        return !stopped;
    };
    httplib::Response response;
    httplib::Error error = httplib::Error::Success;
    bool sent = false;
    bool expired = false;
    {
        const Watchdog watchdog(client, deadline, call.abandoned);
        sent = client.send(request, response, error);
        expired = watchdog.expired();
        stopped = stopped || watchdog.abandoned();
    }
    reply.timed_out = expired || (!sent && Clock::now() >= deadline);
    if (reply.timed_out) {
        reply.error = "the upstream did not finish within " + std::to_string(limit_.count()) + " ms";
    } else if (!sent) {
        reply.error = stopped ? "stopped" : httplib::to_string(error);
    }
    return reply;
}

}  // namespace arbiter::service
