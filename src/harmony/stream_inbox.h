#pragma once
// What a backend keeps of a stream's appends until its worker consumes them, checked on the
// caller's thread, where a refusal can still be acted on; and the reasons recent streams ended,
// so that an append to one says why rather than "no such stream".

#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <utility>

#include "core/stream.h"

namespace arbiter::harmony {

struct StreamInbox {
    std::deque<std::string> chunks;  // appended, not yet consumed
    size_t bytes = 0;                // appended in all
    std::string partial;             // a character's first bytes, waiting for the rest
    bool closing = false;
    std::chrono::steady_clock::time_point last_activity = std::chrono::steady_clock::now();

    // Queues `text` of stream `id`; throws StreamError when the stream is closing, would pass
    // `max_bytes`, or the text is not valid UTF-8 (a character may be split across appends).
    void take(StreamId id, std::string_view text, size_t max_bytes);
};

class EndedStreams {
public:
    static constexpr size_t kRemembered = 4096;

    void add(StreamId id, std::string why);
    // Throws StreamError for a stream that is not open: ended (and why) or unknown.
    [[noreturn]] void refuse(StreamId id) const;

private:
    std::deque<std::pair<StreamId, std::string>> ended_;
};

}  // namespace arbiter::harmony
