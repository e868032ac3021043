#pragma once
// Stream sessions (core/stream.h) on a remote backend. A check is a score-mode job like any other:
// the context with the response cut at the check's offset, which is the prompt a one-shot
// classification of that text sends, so a check equals the server's one-shot score by
// construction. Each check re-sends the whole prompt so far, and the checks of one stream are
// pinned to one server (the first check's, chosen by cache-aware routing from the first policy's
// prefix): that server's prefix cache holds the prompt up to the previous check, so a check costs
// it the tokens appended since and the message's tail (StreamEnd counts what the servers
// computed and what their caches held).
//
// The decisions are the embedded engine's (core/stream_decision.h) on the same token counts
// (harmony/stream_text.h, with the backend's local tokenizer): appends are consumed one at a time
// and a check falls due at the same offsets. While a stream's checks are out, its later appends
// wait, so checks and events come in order.
//
// Threads: open/append/close run on any thread; checks on the backend's workers; a stream's
// events on the thread that ended its check, one at a time and in order.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/backend.h"
#include "harmony/stream_inbox.h"
#include "harmony/tokenizer.h"

namespace arbiter::remote {

// Where a stream's checks go: the first check by `affinity`, every later one to the server that
// answered the first (-1 until then).
struct StreamPin {
    uint64_t affinity = 0;
    std::atomic<int> endpoint{-1};
};

struct StreamLimits {
    int lanes = 0;               // policies of open streams at once (one per policy of each stream); 0: off
    size_t max_bytes = 1 << 20;  // response bytes per stream
    std::chrono::milliseconds idle_timeout{60'000};  // no append or close for this long: expired
    int context_tokens = 0;                          // the servers' context; 0: unknown
    double check_timeout_s = 300;                    // one check, retries included
};

class RemoteStreams {
public:
    // Submits a check's job, routed by `pin`. Done may run before it returns.
    using Submit = std::function<void(Job job, Done done, std::shared_ptr<StreamPin> pin)>;

    RemoteStreams(std::shared_ptr<const harmony::Tokenizer> tokenizer, StreamLimits limits, Submit submit);
    ~RemoteStreams();  // shutdown() first

    // As StreamBackend's; throw StreamError.
    StreamId open(StreamSpec spec, StreamEvents events);
    void append(StreamId id, std::string_view text);
    void close(StreamId id);

    // Ends every stream ("the backend shut down") once its checks in flight have answered; opens
    // are refused from now on. Call before the backend stops its workers.
    void shutdown();

private:
    struct Session;
    struct Check {
        std::shared_ptr<Session> session;
        size_t lane = 0;
        Job job;
    };
    // The checks that fall due next, or the stream's end (mutex_ held).
    std::vector<Check> advance(const std::shared_ptr<Session>& s);
    std::vector<Check> begin_checks(const std::shared_ptr<Session>& s, const std::vector<size_t>& lanes,
                                    bool final);
    void finish(Session& s, std::optional<std::string> error);
    void checked(const std::shared_ptr<Session>& s, size_t lane, const Verdict& v);
    void submit_all(std::vector<Check> checks);
    // Emits `s`'s queued events unless another thread is emitting them (no lock held).
    void deliver(const std::shared_ptr<Session>& s);
    void expire_idle();

    std::shared_ptr<const harmony::Tokenizer> tokenizer_;
    StreamLimits limits_;
    Submit submit_;

    std::mutex mutex_;
    std::condition_variable stopping_changed_;
    std::map<StreamId, std::shared_ptr<Session>> sessions_;
    harmony::EndedStreams ended_;
    int lanes_in_use_ = 0;
    StreamId next_id_ = 1;
    bool stopping_ = false;
    std::thread reaper_;  // expires idle streams
};

}  // namespace arbiter::remote
