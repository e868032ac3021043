#include "core/sse_parser.h"

namespace arbiter {

std::vector<std::string> SseParser::feed(std::string_view bytes) {
    buffer_.append(bytes);
    std::vector<std::string> events;
    std::string data;
    bool has_data = false;
    size_t line_start = 0;
    size_t consumed = 0;  // bytes of complete events
    while (true) {
        const size_t newline = buffer_.find('\n', line_start);
        if (newline == std::string::npos) break;
        std::string_view line(buffer_.data() + line_start, newline - line_start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        line_start = newline + 1;
        if (line.empty()) {  // the blank line that ends an event
            if (has_data) events.push_back(std::move(data));
            data.clear();
            has_data = false;
            consumed = line_start;
            continue;
        }
        if (line.substr(0, 5) != "data:") continue;
        line.remove_prefix(5);
        if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
        if (has_data) data += '\n';
        data.append(line);
        has_data = true;
    }
    buffer_.erase(0, consumed);
    if (buffer_.size() > kMaxEventBytes)
        throw std::length_error("an upstream event is longer than " + std::to_string(kMaxEventBytes) +
                                " bytes");
    return events;
}

}  // namespace arbiter
