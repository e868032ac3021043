#include "service/server.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "service/bounded_task_queue.h"
#include "service/http_reply.h"
#include "service/routes.h"

namespace arbiter::service {

namespace {

using Clock = std::chrono::steady_clock;

// Metrics name requests by endpoint, a fixed set, whatever path a client sends.
std::string_view endpoint_of(const std::string& path) {
    for (std::string_view e : {"/v1/classify", "/v1/moderations", "/v1/policies", "/v1/decisions", "/healthz",
                               "/readyz", "/metrics"}) {
        if (path == e ||
            (path.size() > e.size() && path.compare(0, e.size(), e) == 0 && path[e.size()] == '/'))
            return e;
    }
    return "other";
}

}  // namespace

bool is_loopback_host(const std::string& host) {
    // Addresses as the resolver reads them: a name that merely starts with "127." is none.
    in_addr v4{};
    in6_addr v6{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6) != 0;
    return host == "localhost";
}

class Server::Impl {
public:
    Impl(ServiceConfig config, storage::PolicyStore& policies, storage::DecisionLog& log,
         std::optional<ApiKeys> keys)
        : context_(std::move(config), policies, log, std::move(keys)), config_(context_.config) {
        http_.new_task_queue = [this] {
            return new BoundedTaskQueue(static_cast<size_t>(config_.http_threads),
                                        static_cast<size_t>(config_.http_threads) * 4);
        };
        http_.set_payload_max_length(config_.max_body_bytes);
        // httplib's default adds SO_REUSEPORT, with which a second server on the same port binds
        // without error and silently takes half the traffic. SO_REUSEADDR alone still allows a
        // quick restart.
        http_.set_socket_options([](socket_t sock) {
            int yes = 1;
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        http_.set_keep_alive_max_count(1000);
        http_.set_read_timeout(std::chrono::seconds(30));
        http_.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
            request_start() = Clock::now();
            return httplib::Server::HandlerResponse::Unhandled;
        });
        http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            const double seconds = std::chrono::duration<double>(Clock::now() - request_start()).count();
            context_.metrics.request(endpoint_of(req.path), res.status, seconds);
        });
        http_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return;
            if (res.status == 404)
                return send_error(res, 404, "no such endpoint: " + req.method + " " + req.path);
            if (res.status == 413) return send_error(res, 413, "the request body is too large");
            send_error(res, res.status, "HTTP " + std::to_string(res.status));
        });
        http_.set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, const std::exception_ptr& e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    send_error(res, 500, std::string("internal error: ") + ex.what());
                } catch (...) {
                    send_error(res, 500, "internal error");
                }
            });
        add_health_routes(http_, context_);
        add_classify_routes(http_, context_);
        add_policy_routes(http_, context_);
        add_decision_routes(http_, context_);
    }

    void set_backend(Backend& backend) { context_.set_backend(backend); }
    void set_policy_check(std::function<void(const Policy&)> check) {
        context_.policy_check = std::move(check);
    }

    int bind() {
        if (config_.port == 0) {
            const int port = http_.bind_to_any_port(config_.host);
            if (port < 0) throw std::runtime_error("cannot listen on " + config_.host);
            return port;
        }
        if (!http_.bind_to_port(config_.host, config_.port))
            throw std::runtime_error("cannot listen on " + config_.host + ":" + std::to_string(config_.port) +
                                     " (in use, or not an address of this machine)");
        return config_.port;
    }

    void run() {
        started_ = true;
        if (!context_.draining) http_.listen_after_bind();
        finished_ = true;
    }

    // httplib's stop() does nothing before its listen loop has started, so it is repeated until
    // run() has returned; a run() that starts after this sees draining_ and returns at once.
    void stop() {
        context_.draining = true;
        while (started_ && !finished_) {
            http_.stop();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

private:
    static Clock::time_point& request_start() {
        thread_local Clock::time_point start = Clock::now();
        return start;
    }

    ServiceContext context_;
    const ServiceConfig& config_;
    std::atomic<bool> started_ = false;
    std::atomic<bool> finished_ = false;
    httplib::Server http_;
};

Server::Server(ServiceConfig config, storage::PolicyStore& policies, storage::DecisionLog& log,
               std::optional<ApiKeys> keys)
    : impl_(std::make_unique<Impl>(std::move(config), policies, log, std::move(keys))) {}
Server::~Server() = default;
void Server::set_backend(Backend& backend) {
    impl_->set_backend(backend);
}
void Server::set_policy_check(std::function<void(const Policy&)> check) {
    impl_->set_policy_check(std::move(check));
}
int Server::bind() {
    return impl_->bind();
}
void Server::run() {
    impl_->run();
}
void Server::stop() {
    impl_->stop();
}

}  // namespace arbiter::service
