#include "core/sse_parser.h"

namespace arbiter {

namespace {

// A field line's name and value ("name: value"; a line without a colon is a name alone).
std::pair<std::string_view, std::string_view> field_of(std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return {line, {}};
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    return {line.substr(0, colon), value};
}

// Adds one field line to `event`.
void add_field(SseEvent& event, std::string_view line) {
    const auto [name, value] = field_of(line);
    if (name == "data") {
        if (event.has_data) event.data += '\n';
        event.data.append(value);
        event.has_data = true;
    } else if (name == "id") {
        event.id = value;
        event.has_id = true;
    } else if (name == "event") {
        event.event = value;
    } else if (name == "retry") {
        event.retry = value;
    }  // else a comment (no name) or a field the format ignores
}

bool carries_something(const SseEvent& event) {
    return event.has_data || event.has_id || !event.retry.empty();
}

}  // namespace

std::string sse_text(const SseEvent& event) {
    std::string text;
    if (event.has_id) text += "id: " + event.id + "\n";
    if (!event.event.empty()) text += "event: " + event.event + "\n";
    if (!event.retry.empty()) text += "retry: " + event.retry + "\n";
    if (event.has_data) {
        size_t start = 0;
        while (true) {
            const size_t newline = event.data.find('\n', start);
            text += "data: " + event.data.substr(start, newline - start) + "\n";
            if (newline == std::string::npos) break;
            start = newline + 1;
        }
    }
    return text + "\n";
}

std::vector<SseEvent> SseParser::feed_events(std::string_view bytes) {
    buffer_.append(bytes);
    std::vector<SseEvent> events;
    SseEvent event;
    size_t line_start = 0;
    size_t consumed = 0;  // bytes of complete events
    while (true) {
        // A line ends at CRLF, LF or CR alone, as every client reads it: a CR read as anything
        // else would hide a field inside a value that a client sees as its own line.
        const size_t end = buffer_.find_first_of("\r\n", line_start);
        if (end == std::string::npos) break;
        size_t next = end + 1;
        if (buffer_[end] == '\r') {
            if (next == buffer_.size()) break;  // a CR last: its LF may be on the way
            if (buffer_[next] == '\n') ++next;
        }
        const std::string_view line(buffer_.data() + line_start, end - line_start);
        line_start = next;
        if (line.empty()) {  // the blank line that ends an event
            if (carries_something(event)) events.push_back(std::move(event));
            event = {};
            consumed = line_start;
            continue;
        }
        add_field(event, line);
    }
    buffer_.erase(0, consumed);
    if (buffer_.size() > kMaxEventBytes)
        throw std::length_error("an upstream event is longer than " + std::to_string(kMaxEventBytes) +
                                " bytes");
    return events;
}

std::vector<std::string> SseParser::feed(std::string_view bytes) {
    std::vector<std::string> data;
    for (SseEvent& event : feed_events(bytes)) {
        if (event.has_data) data.push_back(std::move(event.data));
    }
    return data;
}

}  // namespace arbiter
