#include "http/http_connection.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/body_decoding.h"
#include "http/body_stream.h"
#include "http/http_reply.h"

namespace arbiter::service {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// How long a closing connection keeps reading what the client still sends, so that it reads the
// answer instead of a reset.
constexpr std::chrono::seconds kLinger{2};

// Boost 1.74's string_view is its own type.
std::string_view view(beast::string_view v) {
    return {v.data(), v.size()};
}

HttpResponse error_response(int status, const std::string& message) {
    HttpResponse response;
    send_error(response, status, message);
    return response;
}

}  // namespace

HttpConnection::HttpConnection(HttpShared& shared, net::ip::tcp::socket socket)
    : shared_(shared), stream_(std::move(socket)), heartbeat_(stream_.get_executor()) {}

HttpConnection::~HttpConnection() {
    const std::lock_guard lock(shared_.mutex);
    shared_.open.erase(this);
}

void HttpConnection::start() {
    {
        const std::lock_guard lock(shared_.mutex);
        shared_.open.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void HttpConnection::close_when_idle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        if (!self->busy_) self->close();
    });
}

void HttpConnection::read_header() {
    if (shared_.draining) return close();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.limits.max_header_bytes));
    parser_->body_limit(shared_.limits.max_body_bytes);
    path_.clear();
    // One deadline for the whole header, however slowly its bytes arrive.
    stream_.expires_after(first_ ? shared_.limits.header_timeout : shared_.limits.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
}

void HttpConnection::on_header(beast::error_code ec) {
    if (ec) return refuse_read(ec);
    const auto& header = parser_->get();
    version_ = header.version();
    keep_alive_ = header.keep_alive();
    path_ = std::string(view(header.target().substr(0, header.target().find('?'))));
    const std::string encoding(view(header[http::field::content_encoding]));
    std::string probe;
    if (decode_body(encoding, probe, 0) == BodyDecoding::unsupported) {
        shared_.router.count(path_, 415);
        return send(error_response(415, "Content-Encoding '" + encoding +
                                            "' is not supported (identity, gzip or deflate)"),
                    true);
    }
    if (beast::iequals(header[http::field::expect], "100-continue")) {
        auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
        stream_.expires_after(shared_.limits.write_timeout);
        return http::async_write(stream_, *go_on,
                                 [self = shared_from_this(), go_on](beast::error_code e, size_t) {
                                     if (e) return self->close();
                                     self->read_body();
                                 });
    }
    read_body();
}

void HttpConnection::read_body() {
    if (parser_->is_done()) return on_body({});
    stream_.expires_after(shared_.limits.body_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->on_body(ec); });
}

void HttpConnection::on_body(beast::error_code ec) {
    if (ec) return refuse_read(ec);
    Request message = parser_->release();
    HttpRequest request;
    request.method = std::string(message.method_string());
    if (!split_target(view(message.target()), request.path, request.query)) {
        shared_.router.count(path_, 400);
        return send(error_response(400, "the request target has a malformed %-escape"), true);
    }
    for (const auto& field : message)
        request.headers.emplace_back(view(field.name_string()), view(field.value()));
    request.body = std::move(message.body());
    beast::error_code no_peer;  // a socket already closed by its client has none; nothing else needs it
    request.peer = stream_.socket().remote_endpoint(no_peer).address().to_string();
    switch (decode_body(view(message[http::field::content_encoding]), request.body,
                        shared_.limits.max_body_bytes)) {
    case BodyDecoding::ok:
        break;
    case BodyDecoding::too_large:
        shared_.router.count(path_, 413);
        return send(error_response(413, "the request body is larger than " +
                                            std::to_string(shared_.limits.max_body_bytes) +
                                            " bytes once decoded (max_body_bytes)"),
                    true);
    default:
        shared_.router.count(path_, 400);
        return send(error_response(400, "the body is not valid in its Content-Encoding"), true);
    }
    dispatch(std::move(request));
}

void HttpConnection::dispatch(HttpRequest request) {
    const bool close_after = !keep_alive_;
    Router::Match match = shared_.router.match(request);
    // Keys and rate limits here, on the reading thread: a refusal takes no worker.
    if (std::optional<HttpResponse> refusal = shared_.router.admit(request, match))
        return send(std::move(*refusal), close_after);
    if (match.cost() == Cost::quick)
        return send(shared_.router.handle(std::move(request), std::move(match)), close_after);
    // The guard keeps the event loop running while the worker holds the only reference to this
    // connection's pending answer.
    auto guard =
        std::make_shared<net::executor_work_guard<net::io_context::executor_type>>(shared_.io.get_executor());
    auto task = [self = shared_from_this(), guard, close_after, request = std::move(request),
                 match = std::move(match)]() mutable {
        HttpResponse response = self->shared_.router.handle(std::move(request), std::move(match));
        net::post(self->stream_.get_executor(),
                  [self, guard, close_after, response = std::move(response)]() mutable {
                      self->send(std::move(response), close_after);
                  });
    };
    busy_ = true;
    if (shared_.pool.try_submit(std::move(task))) return;
    shared_.router.count(path_, 429);
    HttpResponse busy = error_response(
        429, "the server is handling as many requests as it holds (" +
                 std::to_string(shared_.limits.workers + shared_.limits.max_pending) + "); retry shortly");
    busy.set_header("Retry-After", "1");
    send(std::move(busy), close_after);
}

void HttpConnection::refuse_read(beast::error_code ec) {
    if (ec == http::error::body_limit) {
        shared_.router.count(path_, 413);
        return send(error_response(413, "the request body is larger than " +
                                            std::to_string(shared_.limits.max_body_bytes) +
                                            " bytes (max_body_bytes)"),
                    true);
    }
    if (ec == http::error::header_limit) {
        shared_.router.count(path_, 431);
        return send(error_response(431, "the request's headers are larger than " +
                                            std::to_string(shared_.limits.max_header_bytes) + " bytes"),
                    true);
    }
    // A timeout has closed the socket already; a client that left needs no answer.
    if (ec == beast::error::timeout || ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::bad_descriptor)
        return close();
    if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
        shared_.router.count(path_, 400);
        return send(error_response(400, "malformed HTTP request: " + ec.message()), true);
    }
    close();
}

void HttpConnection::send(HttpResponse response, bool close_after) {
    if (response.hold.count() > 0) return send_held(std::move(response), close_after);
    if (response.later) return send_later(response.later, close_after);
    if (response.stream) return send_streamed(std::move(response), close_after);
    auto message = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(response.status), version_);
    message->set(http::field::server, "arbiter");
    if (!response.content_type.empty()) message->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) {
        if (is_sendable_header(name, value)) message->insert(name, value);
    }
    message->body() = std::move(response.body);
    message->keep_alive(!close_after && keep_alive_ && !shared_.draining);
    message->prepare_payload();
    busy_ = true;
    stream_.expires_after(shared_.limits.write_timeout);
    http::async_write(stream_, *message, [self = shared_from_this(), message](beast::error_code ec, size_t) {
        self->busy_ = false;
        if (ec) return self->close();
        if (!message->keep_alive()) return self->linger();
        self->first_ = false;
        self->read_header();
    });
}

void HttpConnection::send_held(HttpResponse response, bool close_after) {
    busy_ = true;
    auto timer = std::make_shared<net::steady_timer>(stream_.get_executor(), response.hold);
    response.hold = {};
    timer->async_wait([self = shared_from_this(), timer, close_after, response = std::move(response)](
                          beast::error_code) mutable { self->send(std::move(response), close_after); });
}

void HttpConnection::send_later(const std::shared_ptr<LateResponse>& later, bool close_after) {
    busy_ = true;
    // The guard keeps the event loop (and so the server's run()) going until the answer is here.
    auto guard =
        std::make_shared<net::executor_work_guard<net::io_context::executor_type>>(shared_.io.get_executor());
    later->when_ready([self = shared_from_this(), guard, close_after](HttpResponse response) {
        net::post(self->stream_.get_executor(),
                  [self, guard, close_after, response = std::move(response)]() mutable {
                      self->send(std::move(response), close_after);
                  });
    });
}

void HttpConnection::send_streamed(HttpResponse response, bool close_after) {
    auto header = std::make_shared<http::response<http::empty_body>>(
        static_cast<http::status>(response.status), version_);
    header->set(http::field::server, "arbiter");
    if (!response.content_type.empty()) header->set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) {
        if (is_sendable_header(name, value)) header->insert(name, value);
    }
    chunked_ = version_ >= 11;
    close_after_body_ = close_after || !keep_alive_ || !chunked_;
    header->keep_alive(!close_after_body_);
    if (chunked_) header->chunked(true);
    body_ = std::move(response.stream);
    busy_ = true;
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header);
    stream_.expires_after(shared_.limits.write_timeout);
    http::async_write_header(
        stream_, *serializer, [self = shared_from_this(), header, serializer](beast::error_code ec, size_t) {
            if (ec) {
                self->body_->cancel();
                self->body_.reset();
                return self->close();
            }
            // The body owns this connection until it ends (detach()).
            self->body_->attach(
                [self] { net::post(self->stream_.get_executor(), [self] { self->pump(); }); });
            self->pump();
        });
}

void HttpConnection::pump() {
    if (!body_ || writing_) return;
    BodyStream::Taken taken = body_->take();
    if (taken.bytes.empty() && !taken.finished) {
        if (body_->cancelled()) {
            body_->detach();
            body_.reset();
            return close();
        }
        if (body_->heartbeat().empty()) return;
        heartbeat_.expires_after(std::chrono::seconds(BodyStream::heartbeat_seconds));
        heartbeat_.async_wait([self = shared_from_this()](beast::error_code ec) {
            if (ec || !self->body_ || self->writing_) return;
            self->body_->write(self->body_->heartbeat());
        });
        return;
    }
    heartbeat_.cancel();
    writing_ = true;
    auto data = std::make_shared<std::string>(std::move(taken.bytes));
    const bool last = taken.finished;
    auto done = [self = shared_from_this(), data, last](beast::error_code ec, size_t) {
        self->writing_ = false;
        if (ec) {
            self->body_->cancel();
            self->body_->detach();
            self->body_.reset();
            return self->close();
        }
        if (last) return self->after_streamed();
        self->pump();
    };
    stream_.expires_after(shared_.limits.write_timeout);
    // An HTTP/1.0 client gets the raw bytes and reads to the end of the connection.
    if (!chunked_) return net::async_write(stream_, net::buffer(*data), std::move(done));
    if (last && data->empty()) return net::async_write(stream_, http::make_chunk_last(), std::move(done));
    if (last) {
        return net::async_write(stream_, http::make_chunk(net::buffer(*data)),
                                [self = shared_from_this(), data, done = std::move(done)](
                                    beast::error_code ec, size_t n) mutable {
                                    if (ec) return done(ec, n);
                                    net::async_write(self->stream_, http::make_chunk_last(), std::move(done));
                                });
    }
    net::async_write(stream_, http::make_chunk(net::buffer(*data)), std::move(done));
}

void HttpConnection::after_streamed() {
    heartbeat_.cancel();
    body_->detach();
    body_.reset();
    busy_ = false;
    if (close_after_body_ || shared_.draining) return linger();
    first_ = false;
    read_header();
}

void HttpConnection::linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLinger);
    auto discard = std::make_shared<std::array<char, 8192>>();
    // Reads and drops until the client closes, errs or the deadline passes.
    struct Drain {
        std::shared_ptr<HttpConnection> self;
        std::shared_ptr<std::array<char, 8192>> into;
        void operator()(beast::error_code ec, size_t) {
            if (ec) return self->close();
            self->stream_.async_read_some(net::buffer(*into), std::move(*this));
        }
    };
    stream_.async_read_some(net::buffer(*discard), Drain{shared_from_this(), discard});
}

void HttpConnection::close() {
    heartbeat_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
}

}  // namespace arbiter::service
