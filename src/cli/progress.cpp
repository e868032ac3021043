#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>

namespace arbiter::cli {

Progress::Progress(size_t total)
    : enabled_(isatty(STDERR_FILENO) != 0), total_(total), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
    if (enabled_ && last_draw_) std::fputc('\n', stderr);
}

void Progress::update(size_t done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (last_draw_ && now - *last_draw_ < std::chrono::milliseconds(100) && done != total_) return;
    last_draw_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0.0;
    if (total_ == 0) {
        std::fprintf(stderr, "\r%zu items  %.1f items/s ", done, rate);
        return;
    }
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(kWidth * done / total_);
    char bar[kWidth + 1];
    for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
    bar[kWidth] = '\0';
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    std::fprintf(stderr, "\r[%s] %zu/%zu  %.1f items/s  ETA %02d:%02d ", bar, done, total_, rate,
                 static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
}

}  // namespace arbiter::cli
