#pragma once
// One streamed chat completion relayed from the upstream to the client while a stream session
// judges the answer (service/gateway_routes.cpp). In observe mode each delta goes out at once; in
// hold mode a delta goes out only once a check of every output policy that passed covers it. A
// flagged check stops the relay at once (nothing more goes out) and the upstream is no longer
// read, which drops its connection and cancels the generation; once the stream's verdict is in
// the decision log the client's stream ends with a chunk whose finish_reason is "content_filter"
// (and an "arbiter" field naming the policy and the byte offset), then [DONE].
//
// Tool calls are held in both modes, since a client executes a call as soon as it has it: from
// the first chunk that carries a tool-call delta on, every chunk waits until the upstream is done
// and the assembled calls are judged (tool_calls(), then finish()); a flagged call never reaches
// the client, whose stream ends with content_filter and {"stage": "tool_call", "policy", "tool"}.
//
// Threads: feed() and finish() run on the relay's thread, on_check() on the engine's.

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/content.h"
#include "core/sse_parser.h"
#include "core/stream.h"
#include "http/body_stream.h"
#include "service/service_config.h"
#include "streams/stream_sessions.h"

namespace arbiter::service {

class ChatRelay {
public:
    ChatRelay(std::shared_ptr<BodyStream> client, Release release, std::vector<std::string> policies);

    // Upstream bytes; false once reading should stop (a flag, the client gone, a broken upstream).
    bool feed(std::string_view bytes);
    // A check of the answer; a flag stops the relay, a pass releases held text.
    void on_check(const StreamCheck& check);
    // How the answer's tool calls were judged: `flag` names the policy and the tool when one
    // flagged; `error` says why they could not be judged (they are then never released).
    struct ToolJudgement {
        std::optional<std::pair<std::string, std::string>> flag;
        std::string error;
    };
    // After the upstream ended and the stream session closed with `result`: the held rest and the
    // upstream's last chunks, or the cut when a check or the tool calls flagged, or
    // `upstream_error`.
    void finish(const StreamResult& result, const std::string& upstream_error,
                const ToolJudgement& tools = {});

    // The answer's text and its tool calls as the upstream's deltas assembled them.
    std::string answer() const;
    std::vector<ToolCall> tool_calls() const;
    // Whether a check flagged the text (the relay is cut whatever the tool calls say).
    bool flagged() const;

    // The stream session that judges the answer: its id (named in the cut chunk), and `append`,
    // which passes answer text on to it (false: it refused, and the relay stops).
    void set_stream(std::string id, std::function<bool(const std::string& text)> append);

private:
    struct Held {
        size_t end = 0;   // answer bytes up to and with this chunk's text
        std::string sse;  // as the client gets it
    };
    void release(size_t upto);  // sends held chunks that end at or before `upto`
    void keep_alive();          // bytes came without an event (comments, a part of one)
    // Why the answer cannot be released as judged ("" when it can), with mutex_ held.
    std::string unjudged_reason(const StreamResult& result, const std::string& upstream_error) const;
    void cut(const std::string& policy, size_t offset);
    void cut_tool_call(const std::string& policy, const std::string& tool, bool text_judged);
    // Adds a chunk's tool-call deltas to calls_; false (and broken_) past the limits.
    bool assemble_tool_calls(const nlohmann::json& chunk);
    nlohmann::ordered_json chunk_shell() const;
    void done();

    const std::shared_ptr<BodyStream> client_;
    const Release release_;
    const std::vector<std::string> policies_;

    mutable std::mutex mutex_;
    SseParser parser_;
    std::string stream_id_;
    std::function<bool(const std::string&)> append_;
    size_t offset_ = 0;  // answer bytes fed to the session
    std::deque<Held> held_;
    std::string answer_;                  // the text so far
    std::vector<ToolCall> calls_;         // assembled from the deltas, by their index
    size_t call_bytes_ = 0;               // their arguments' bytes
    std::vector<std::string> call_held_;  // every chunk from the first tool-call delta on
    std::vector<std::string> trailer_;    // the chunks with a finish_reason, and usage: after the verdict
    std::vector<size_t> passed_;          // per policy: bytes its last passing check covered
    std::optional<std::pair<std::string, size_t>> flag_;  // the policy that flagged, and where
    bool unjudged_ = false;  // the session refused text (over its limit): the rest is never released
    bool complete_ = false;  // a chunk with a finish_reason, or [DONE], arrived
    std::string broken_;     // why the upstream's stream could not be read, if it could not
    std::chrono::steady_clock::time_point last_keep_alive_{};
    bool ended_ = false;           // the client's stream is complete (cut or finished)
    nlohmann::ordered_json meta_;  // id, created and model of the upstream's chunks
};

}  // namespace arbiter::service
