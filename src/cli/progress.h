#pragma once
// A one-line progress bar on stderr, only when stderr is a terminal: done/total, items per
// second and the time left.

#include <chrono>
#include <cstddef>
#include <optional>

namespace arbiter::cli {

class Progress {
public:
    // `total` 0 means unknown (input from a stream).
    explicit Progress(size_t total);
    ~Progress();  // ends the line
    void update(size_t done);

private:
    bool enabled_;
    size_t total_;
    std::chrono::steady_clock::time_point start_;
    std::optional<std::chrono::steady_clock::time_point> last_draw_;  // empty: nothing drawn yet
};

}  // namespace arbiter::cli
