#pragma once
// The embedded engine's stream sessions (core/stream.h), run inside the engine's worker loop so
// that their tokens share each llama_decode with the one-shot jobs (continuous batching).
//
// Each policy of a stream (a lane) keeps one KV sequence for the stream's whole life: the policy
// prefix (copied from the prefix cache) and the committed tokens of the user message. A check
// appends a probe (the uncommitted text, the message's tail and the score-mode assistant header),
// reads P(violation) from its last logits, and removes it again: each check costs its new tokens
// plus the probe, for any length of response.
//
// The sliding-window layers: llama.cpp reuses a sliding-window cell once the sequence's newest
// position is a window past it. A probe split over micro-batches (the batch splitter cuts
// unequal sequences into equal-length pieces) moves that newest position on by its first pieces,
// so its later pieces overwrite cells the next chunk still needs, and removing the probe cannot
// bring them back (llama.cpp issue 13194). The engine therefore turns swa_full on when streams
// are enabled: the sliding-window cache then has a cell per position, nothing is overwritten,
// and the logits are those of a one-shot run (tests/stream_test.cpp). After every probe the lane
// still checks that the window its next token needs is present, and fails the stream rather
// than judge on a damaged cache.
//
// Scheduling: a batch takes the one-shot items' tokens first and streams fill the room left, so
// a batch full of long prompts delays checks (no priority for probes yet).
//
// Threads: open/append/close run on any thread and only queue (under the mutex); everything
// else runs on the engine's worker, and the event callbacks run there with no lock held.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/stream.h"
#include "harmony/prompt.h"
#include "harmony/stream_inbox.h"
#include "llama.h"
#include "llama/embedded_engine.h"
#include "llama/model.h"

namespace arbiter::engine {

struct StreamLimits {
    int sequences = 0;           // KV sequences for streams (one per policy of each open stream)
    int context = 8192;          // tokens per sequence: prefix, message and probe
    size_t max_bytes = 1 << 20;  // response bytes per stream
    std::chrono::milliseconds idle_timeout{60'000};  // no append or close for this long: expired
};

class StreamRunner {
public:
    using Clock = std::chrono::steady_clock;
    struct Hooks {
        // The sequence holding `prefix` evaluated, from the engine's prefix cache (nullopt when
        // the engine shares no prefix); sets its length and whether it was already there.
        std::function<std::optional<int>(const harmony::Prompt& prefix, int& tokens, bool& cached)> prefix;
        std::function<void()> wake;  // the worker has work (called with no lock held)
    };
    // Streams take the engine's last `options.streams` sequences.
    StreamRunner(llama_context* ctx, const Model& model, const EngineOptions& options, Hooks hooks);
    ~StreamRunner();

    // Any thread. Throw StreamError.
    StreamId open(StreamSpec spec, StreamEvents events);
    void append(StreamId id, std::string_view text);
    void close(StreamId id);

    // The worker.
    bool has_work() const;
    std::optional<Clock::time_point> next_expiry() const;
    // Takes queued input, starts streams, schedules commits and checks, expires idle streams.
    void service();
    // Appends tokens to `batch` (after the caller's, in sequence order); returns how many.
    int fill(llama_batch& batch, int room);
    // After the decode of the batch `fill` added to: reads the checks; `ok` false fails them.
    void after_decode(bool ok);
    // Ends every stream ("the engine shut down").
    void shutdown();

private:
    struct Session;
    struct Lane;
    void start(Session& s);
    bool consume(Session& s);
    void schedule_check(Session& s, Lane& lane, bool final);
    void end(Session& s, std::optional<std::string> error);
    void emit_events();

    llama_context* ctx_;
    const Model& model_;
    int first_seq_;
    int n_swa_;
    StreamLimits limits_;
    Hooks hooks_;
    llama_token zero_;  // the score answers' tokens, "0" and "1"
    llama_token one_;

    // Worker-owned.
    std::map<StreamId, std::unique_ptr<Session>> sessions_;
    std::vector<std::function<void()>> events_;  // emitted once no lock is held

    // Shared with the API threads.
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Session>> opened_;
    std::unordered_map<StreamId, harmony::StreamInbox> inbox_;
    std::vector<bool> seq_free_;
    harmony::EndedStreams ended_;
    StreamId next_id_ = 1;
    bool dirty_ = false;  // input arrived since the last service()
    bool busy_ = false;   // the worker has tokens or checks to run
};

}  // namespace arbiter::engine
