#include "harmony/stream_inbox.h"

#include "harmony/stream_text.h"

namespace arbiter::harmony {

void StreamInbox::take(StreamId id, std::string_view text, size_t max_bytes) {
    const std::string name = "stream " + std::to_string(id);
    if (closing) throw StreamError(StreamError::Code::ended, name + " is closing");
    if (bytes + text.size() > max_bytes)
        throw StreamError(StreamError::Code::limit,
                          name + " would exceed " + std::to_string(max_bytes) + " bytes");
    const std::string carried = partial + std::string(text);
    const std::optional<size_t> whole = whole_characters(carried);
    if (!whole)
        throw StreamError(StreamError::Code::bad_input, name + ": the appended text is not valid UTF-8");
    partial = carried.substr(*whole);
    bytes += text.size();
    chunks.emplace_back(text);
    last_activity = std::chrono::steady_clock::now();
}

void EndedStreams::add(StreamId id, std::string why) {
    ended_.emplace_back(id, std::move(why));
    if (ended_.size() > kRemembered) ended_.pop_front();
}

void EndedStreams::refuse(StreamId id) const {
    for (const auto& [ended, why] : ended_) {
        if (ended == id)
            throw StreamError(StreamError::Code::ended, "stream " + std::to_string(id) + " " + why);
    }
    throw StreamError(StreamError::Code::unknown, "no stream " + std::to_string(id));
}

}  // namespace arbiter::harmony
