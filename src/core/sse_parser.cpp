#include "core/sse_parser.h"

#include <algorithm>

#include "core/utf8.h"

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
    if (event.has_id && is_printable_ascii(event.id)) text += "id: " + event.id + "\n";
    if (!event.event.empty() && is_printable_ascii(event.event)) text += "event: " + event.event + "\n";
    const bool digits = !event.retry.empty() && std::all_of(event.retry.begin(), event.retry.end(),
                                                            [](char c) { return c >= '0' && c <= '9'; });
    if (digits) text += "retry: " + event.retry + "\n";
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

void SseParser::end_line(std::vector<SseEvent>& events) {
    if (line_.empty()) {  // the blank line that ends an event
        if (carries_something(event_)) events.push_back(std::move(event_));
        event_ = {};
        event_bytes_ = 0;
        return;
    }
    add_field(event_, line_);
    event_bytes_ += line_.size() + 1;
    line_.clear();
}

std::vector<SseEvent> SseParser::feed_events(std::string_view bytes) {
    std::vector<SseEvent> events;
    size_t at = 0;
    if (after_cr_ && !bytes.empty() && bytes[0] == '\n') at = 1;
    if (!bytes.empty()) after_cr_ = false;
    // A line ends at CRLF, LF or CR alone, as every client reads it: a CR read as anything else
    // would hide a field inside a value that a client sees as its own line. Each byte is looked
    // at once, however the server cuts its stream.
    while (at < bytes.size()) {
        const size_t end = bytes.find_first_of("\r\n", at);
        if (end == std::string_view::npos) {
            line_.append(bytes.substr(at));
            break;
        }
        line_.append(bytes.substr(at, end - at));
        end_line(events);
        at = end + 1;
        if (bytes[end] == '\r') {
            if (at == bytes.size())
                after_cr_ = true;
            else if (bytes[at] == '\n')
                ++at;
        }
    }
    if (event_bytes_ + line_.size() > kMaxEventBytes)
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
