#pragma once
// Stream sessions as the service runs them (the HTTP API in stream_routes.cpp, the chat gateway):
// each wraps one backend stream (core/stream.h) and belongs to the API key that opened it. A
// session keeps its events, numbered, so that a client that reads them late or again (SSE's
// Last-Event-ID) misses none, and it ends in exactly one decision-log row per policy, whether the
// client closed it or it expired.
//
// At close a policy's verdict is its stream's: flagged or not, the last probability, the check
// series summarised. With reason_at_close the whole text is also judged once in reason mode, for
// a rationale; the verdict is a violation when the stream flagged or the reasoning found one.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/stream.h"
#include "core/verdict.h"
#include "http/body_stream.h"
#include "service/service_context.h"

namespace arbiter::service {

struct StreamOpen {
    std::vector<StreamPolicy> policies;
    std::vector<bool> reason_at_close;  // per policy: also judge the whole text in reason mode at close
    Content context;  // a completion with an empty response, or a conversation ending in the turn that grows
};

// What the gateway watches besides the event log: every check, on the engine's thread.
using CheckObserver = std::function<void(const StreamCheck&)>;

struct StreamResult {
    bool ok = true;
    std::string error;
    std::vector<Verdict> verdicts;  // one per policy, as logged
    nlohmann::ordered_json json;    // the end event's data
};

class StreamSessions {
public:
    // Keeps up to `max_ended` ended sessions, and their events up to `max_ended_bytes` in all, for
    // late readers and closers (a stream checked every token logs megabytes of events).
    explicit StreamSessions(ServiceContext& context, size_t max_ended = 256,
                            size_t max_ended_bytes = size_t{64} << 20);
    ~StreamSessions();
    StreamSessions(const StreamSessions&) = delete;
    StreamSessions& operator=(const StreamSessions&) = delete;

    // Opens a stream for `owner` (an API key's name); returns its id: "str_", this instance's name
    // (ServiceConfig::instance), "." and 24 hex digits. A stream is held by the instance that opened
    // it: asked about another instance's stream, every call below throws ServiceError misdirected.
    // ServiceError: unavailable when streams are off or the model loads, busy when no stream is free
    // now, too_large when it can never fit, invalid for bad input.
    std::string open(const std::string& owner, StreamOpen request, CheckObserver observer = {});
    // Appends response text; returns the response bytes appended so far. ServiceError not_found (no such
    // stream of this owner), conflict (ended), too_large (over its byte limit), invalid (bad UTF-8).
    size_t append(const std::string& owner, const std::string& id, std::string_view text);
    // Writes the events numbered after `after` (nullopt: all) to `body` as Server-Sent Events, then
    // each new one as it comes, and finishes `body` after the end event. ServiceError not_found.
    void subscribe(const std::string& owner, const std::string& id, std::optional<uint64_t> after,
                   const std::shared_ptr<BodyStream>& body);
    // Closes the stream, waits for its end (and the reasoning, for policies with reason_at_close) and returns
    // it. Closing an ended stream returns its result again. ServiceError not_found, timed_out past the
    // request timeout (the stream still ends and is logged).
    StreamResult close(const std::string& owner, const std::string& id);

    // The instance named in a stream id ("" when it names none).
    static std::string holder_of(std::string_view id);

    // The SSE text of one event.
    static std::string sse_event(uint64_t id, std::string_view name, const nlohmann::ordered_json& data);

private:
    struct Session;
    std::shared_ptr<Session> find(const std::string& owner, const std::string& id);
    void on_check(const std::shared_ptr<Session>& s, const StreamCheck& check);
    void on_end(const std::shared_ptr<Session>& s, StreamEnd end);
    // Builds the verdicts, writes them to the decision log and publishes the end event; with the
    // session's lock held (`reasoned`: the reason-mode verdicts of the policies that asked for one).
    void finalize(Session& s, const std::vector<std::optional<Verdict>>& reasoned);
    void publish(Session& s, std::string_view name, const nlohmann::ordered_json& data);
    void retire(const Session& s);

    // What the backend's callbacks reach this through: they may outlive it (the engine shuts down
    // after the server and ends its streams then).
    struct Anchor {
        std::mutex mutex;
        StreamSessions* owner = nullptr;
    };

    ServiceContext& context_;
    const size_t max_ended_;
    const size_t max_ended_bytes_;
    std::shared_ptr<Anchor> anchor_;
    std::mutex mutex_;  // the map and every session's state
    std::map<std::string, std::shared_ptr<Session>> sessions_;
    std::deque<std::pair<std::string, size_t>> ended_;  // id and event bytes, oldest first
    size_t ended_bytes_ = 0;
};

}  // namespace arbiter::service
