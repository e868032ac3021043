#pragma once
// Server-Sent Events read as they arrive, in pieces of any size: the data of each complete event
// (its data: lines joined by '\n'; comments, ids and event names dropped), as the gateway reads an
// upstream's streamed chat completion.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace arbiter {

class SseParser {
public:
    // An event longer than this without its end is refused (a server that never ends its lines).
    static constexpr size_t kMaxEventBytes = size_t{8} << 20;

    // The data of each event that `bytes` completes. Throws std::length_error past kMaxEventBytes.
    std::vector<std::string> feed(std::string_view bytes);

private:
    std::string buffer_;
};

}  // namespace arbiter
