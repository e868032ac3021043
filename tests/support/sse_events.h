#pragma once
// Server-Sent Events as the service tests read them: a body's text split into its named events.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace arbiter::test {

struct SseEvent {
    uint64_t id = 0;  // 0: the event had no id line
    std::string name;
    nlohmann::json data;
};

// The named events of `text`, in order (comments and unnamed events left out; an unfinished last
// event too).
inline std::vector<SseEvent> parse_sse(const std::string& text) {
    std::vector<SseEvent> events;
    size_t at = 0;
    for (size_t end; (end = text.find("\n\n", at)) != std::string::npos; at = end + 2) {
        SseEvent e;
        std::istringstream lines(text.substr(at, end - at));
        for (std::string line; std::getline(lines, line);) {
            if (line.rfind("id: ", 0) == 0) e.id = std::stoull(line.substr(4));
            if (line.rfind("event: ", 0) == 0) e.name = line.substr(7);
            if (line.rfind("data: ", 0) == 0) e.data = nlohmann::json::parse(line.substr(6));
        }
        if (!e.name.empty()) events.push_back(std::move(e));
    }
    return events;
}

}  // namespace arbiter::test
