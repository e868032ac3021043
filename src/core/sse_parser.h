#pragma once
// Server-Sent Events read as they arrive, in pieces of any size (the WHATWG event-stream format):
// each complete event with its id, its name, its retry and its data (its data: lines joined by
// '\n'; comments dropped). The gateway reads an upstream's streamed chat completion by the data
// alone; the MCP guard relays whole events, ids and all, so a client can resume.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter {

struct SseEvent {
    std::string id;
    std::string event;  // its name ("" : the default, "message")
    std::string retry;  // the reconnection time it asks for, as sent ("" : none)
    std::string data;
    bool has_data = false;  // an event may carry only an id (MCP's priming event)
    bool has_id = false;    // an empty id field still means something: it clears the last id
};

// An event as a client reads it: its fields, then the blank line that ends it (a data line per
// line of `data`). An id or name with other than printable ASCII, or a retry that is not a number,
// is left out: some clients end lines at characters this format does not (U+2028, form feed), and
// would read a field hidden inside one.
std::string sse_text(const SseEvent& event);

class SseParser {
public:
    // An event longer than this without its end is refused (a server that never ends its lines).
    static constexpr size_t kMaxEventBytes = size_t{8} << 20;

    // The data of each event with data that `bytes` completes. Throws std::length_error past
    // kMaxEventBytes.
    std::vector<std::string> feed(std::string_view bytes);
    // Each event that `bytes` completes with data, an id field or a retry time (one with only a
    // name, or nothing, is none: no client acts on it). Same limit.
    std::vector<SseEvent> feed_events(std::string_view bytes);

private:
    void end_line(std::vector<SseEvent>& events);

    std::string line_;        // the line being read, without its end
    SseEvent event_;          // the event being read
    size_t event_bytes_ = 0;  // the bytes of its lines so far
    bool after_cr_ = false;   // the last byte was a CR: an LF next ends no second line
};

}  // namespace arbiter
