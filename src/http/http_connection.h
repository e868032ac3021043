#pragma once
// One client connection of the HTTP server: reads requests within the limits, hands each whole
// request to the router (through the worker pool when it blocks), writes the answer, and keeps the
// connection for the next request or closes it. Internal to http_server.cpp.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "http/http_server.h"
#include "http/late_response.h"
#include "http/worker_pool.h"

namespace arbiter::service {

class HttpConnection;

// What every connection of one server shares.
struct HttpShared {
    HttpShared(const Router& r, const HttpLimits& l) : router(r), limits(l), pool(l.workers, l.max_pending) {}

    const Router& router;
    const HttpLimits limits;
    boost::asio::io_context io{};
    WorkerPool pool;
    std::atomic<bool> draining = false;

    // The open connections, so that stop() can close the idle ones.
    std::mutex mutex;
    std::unordered_map<const HttpConnection*, std::weak_ptr<HttpConnection>> open;
    size_t open_count() {
        const std::lock_guard lock(mutex);
        return open.size();
    }
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
public:
    HttpConnection(HttpShared& shared, boost::asio::ip::tcp::socket socket);
    ~HttpConnection();

    // Registers with the server and reads the first request.
    void start();
    // Closes the connection, from any thread, unless a request is being handled (that one is
    // answered, then the connection closes).
    void close_when_idle();

private:
    using Request = boost::beast::http::request<boost::beast::http::string_body>;

    void read_header();
    void on_header(boost::beast::error_code ec);
    void read_body();
    void on_body(boost::beast::error_code ec);
    void dispatch(HttpRequest request);
    // Answers a failed read: a limit's status, or nothing when the client just went away.
    void refuse_read(boost::beast::error_code ec);
    // Writes the answer; `close` ends the connection after it (lingering to let the client read).
    void send(HttpResponse response, bool close);
    // Waits, with no thread held, for an answer another thread delivers, then sends it.
    void send_later(const std::shared_ptr<LateResponse>& later, bool close);
    // Sends `response` once its hold has passed, on a timer: no thread waits.
    void send_held(HttpResponse response, bool close);
    // Writes a streamed answer's header, then its body's bytes as they arrive.
    void send_streamed(HttpResponse response, bool close);
    void pump();
    void after_streamed();
    void linger();
    void close();

    HttpShared& shared_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    unsigned version_ = 11;
    bool keep_alive_ = true;
    bool first_ = true;
    bool busy_ = false;  // from a whole request until its answer is written
    std::string path_;   // of the request being read, for the metrics

    // A streamed answer being written.
    std::shared_ptr<BodyStream> body_;
    bool chunked_ = true;  // false for an HTTP/1.0 client: raw bytes, then the connection closes
    bool writing_ = false;
    bool close_after_body_ = false;
    boost::asio::steady_timer heartbeat_;
};

}  // namespace arbiter::service
