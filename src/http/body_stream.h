#pragma once
// A response body written while it is produced: Server-Sent Events of a stream session, or a chat
// completion relayed from the upstream server. The handler returns at once with the response's
// `stream` set; producers write into it from any thread (the engine's, an upstream reader's), and
// the connection sends what has arrived as HTTP chunks.
//
// The client going away (a failed or timed-out write, a reader too slow to keep up with
// `max_buffered` bytes) cancels the body: write() then returns false and the on_cancel callback
// runs once, so the producer can stop (close its stream, cancel its upstream request).

#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace arbiter::service {

class BodyStream {
public:
    // `heartbeat`: bytes the connection sends after `heartbeat_seconds` without any (an SSE
    // comment keeps proxies from closing a quiet stream and finds a departed client); empty: none.
    explicit BodyStream(size_t max_buffered = size_t{4} << 20, std::string heartbeat = {});
    BodyStream(const BodyStream&) = delete;
    BodyStream& operator=(const BodyStream&) = delete;

    // Producer side, any thread. Queues `bytes`; false once the body is cancelled or finished (the
    // bytes are dropped), or when they would take it past max_buffered (which cancels it).
    bool write(std::string_view bytes);
    // Ends the body after what is queued. Later writes are refused.
    void finish();
    bool cancelled() const;
    // Runs `callback` once when the body is cancelled (at once, on this thread, if it already is).
    // It runs on the cancelling thread, with no lock of this body held.
    void on_cancel(std::function<void()> callback);

    // Transport side.
    // `wake` is called (with no lock held) whenever bytes or the end arrive; cleared by detach().
    void attach(std::function<void()> wake);
    void detach();
    struct Taken {
        std::string bytes;
        bool finished = false;  // and nothing more will come
    };
    Taken take();
    void cancel();
    const std::string& heartbeat() const { return heartbeat_; }
    static constexpr int heartbeat_seconds = 15;

private:
    void run_cancel();  // after cancelled_ is set: the callback, once

    const size_t max_buffered_;
    const std::string heartbeat_;
    mutable std::mutex mutex_;
    std::string pending_;
    bool finished_ = false;
    bool cancelled_ = false;
    std::function<void()> wake_;
    std::function<void()> on_cancel_;
};

}  // namespace arbiter::service
