#include "http/http_server.h"

#include <sys/resource.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <thread>
#include <vector>

#include "http/http_connection.h"

namespace arbiter::service {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Descriptors kept back from connections: the database, the model, logs, remote backends.
constexpr rlim_t kReservedFiles = 128;

// The event loop's threads: parsing is cheap, so two keep up with any client load the engine can
// serve, and a request blocked in one never stalls the other.
constexpr int kLoopThreads = 2;

// Raises the soft open-file limit to the hard one; returns the connections it leaves room for.
size_t connections_allowed(size_t wanted) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY) return wanted;
    const rlim_t room =
        limit.rlim_cur > 2 * kReservedFiles ? limit.rlim_cur - kReservedFiles : limit.rlim_cur / 2;
    return std::min(wanted, static_cast<size_t>(room));
}

}  // namespace

class HttpServer::Impl {
public:
    Impl(const Router& router, const HttpLimits& limits)
        : shared_(router, limits), limit_(limits.max_connections) {}

    int bind(const std::string& host, int port) {
        limit_ = connections_allowed(shared_.limits.max_connections);
        try {
            tcp::resolver resolver(shared_.io);
            const auto found = resolver.resolve(host, std::to_string(port), tcp::resolver::passive);
            const tcp::endpoint endpoint = found.begin()->endpoint();
            acceptor_.open(endpoint.protocol());
            // Not SO_REUSEPORT: with it a second server on the same port would bind without error
            // and silently take half the traffic. SO_REUSEADDR alone allows a quick restart.
            acceptor_.set_option(net::socket_base::reuse_address(true));
            acceptor_.bind(endpoint);
            acceptor_.listen(net::socket_base::max_listen_connections);
            return acceptor_.local_endpoint().port();
        } catch (const boost::system::system_error& e) {
            throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + " (" +
                                     e.code().message() + ")");
        }
    }

    size_t connection_limit() const { return limit_; }

    void run() {
        if (shared_.draining) return;
        accept();
        std::vector<std::thread> threads;
        for (int i = 1; i < kLoopThreads; ++i) threads.emplace_back([this] { shared_.io.run(); });
        shared_.io.run();
        for (std::thread& t : threads) t.join();
    }

    void stop() {
        shared_.draining = true;
        net::post(shared_.io, [this] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
            retry_.cancel();
            std::vector<std::shared_ptr<HttpConnection>> open;
            {
                const std::lock_guard lock(shared_.mutex);
                for (const auto& [raw, weak] : shared_.open) {
                    if (auto c = weak.lock()) open.push_back(std::move(c));
                }
            }
            for (auto& c : open) c->close_when_idle();
        });
    }

private:
    void accept() {
        acceptor_.async_accept(net::make_strand(shared_.io),
                               [this](boost::system::error_code ec, tcp::socket socket) {
                                   if (ec == net::error::operation_aborted || shared_.draining) return;
                                   if (ec) {
                                       // Out of descriptors or memory: try again shortly rather than
                                       // spinning.
                                       retry_.expires_after(std::chrono::milliseconds(50));
                                       return retry_.async_wait([this](boost::system::error_code e) {
                                           if (!e) accept();
                                       });
                                   }
                                   if (shared_.open_count() >= limit_) {
                                       refuse(socket);
                                   } else {
                                       std::make_shared<HttpConnection>(shared_, std::move(socket))->start();
                                   }
                                   accept();
                               });
    }

    // Over the connection limit: a short answer written without waiting, then the socket closed.
    static void refuse(tcp::socket& socket) {
        static const std::string kBusy = [] {
            const std::string body =
                R"({"error":{"message":"too many open connections","type":"server_error","param":null,)"
                R"("code":"unavailable"}})";
            return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
                   "Connection: close\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body;
        }();
        boost::system::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(net::buffer(kBusy), ignored);
        socket.close(ignored);
    }

    HttpShared shared_;
    tcp::acceptor acceptor_{shared_.io};
    net::steady_timer retry_{shared_.io};
    size_t limit_;
};

HttpServer::HttpServer(const Router& router, HttpLimits limits)
    : impl_(std::make_unique<Impl>(router, limits)) {}
HttpServer::~HttpServer() = default;
int HttpServer::bind(const std::string& host, int port) {
    return impl_->bind(host, port);
}
size_t HttpServer::connection_limit() const {
    return impl_->connection_limit();
}
void HttpServer::run() {
    impl_->run();
}
void HttpServer::stop() {
    impl_->stop();
}

}  // namespace arbiter::service
