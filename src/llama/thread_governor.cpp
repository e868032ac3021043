#include "llama/thread_governor.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace arbiter::engine {

ThreadGovernor::ThreadGovernor(int fixed, int cores)
    : fixed_(fixed), cores_(std::max(1, cores)), current_(fixed > 0 ? fixed : std::max(1, cores)) {
    // Measuring from the start lets the first forward pass, often the longest (a prompt batch),
    // run with the right number: two threads under contention can take seconds over one.
    if (fixed_ == 0 && cores_ > 1) last_ = sample();
}

double ThreadGovernor::free_cores(double interval_seconds, double machine_busy_seconds,
                                  double own_busy_seconds, int cores) {
    if (interval_seconds <= 0) return cores;
    const double others = std::max(0.0, machine_busy_seconds - own_busy_seconds) / interval_seconds;
    return std::clamp(cores - others, 0.0, static_cast<double>(cores));
}

std::optional<ThreadGovernor::Sample> ThreadGovernor::sample() {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    // user nice system idle iowait irq softirq steal: the first line sums every core.
    uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    if (!(stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu")
        return std::nullopt;
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    if (tick <= 0) return std::nullopt;
    rusage own{};
    if (getrusage(RUSAGE_SELF, &own) != 0) return std::nullopt;
    const auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    Sample s;
    s.at = std::chrono::steady_clock::now();
    s.machine_busy = static_cast<double>(user + nice + system + irq + softirq + steal) / tick;
    s.own_busy = seconds(own.ru_utime) + seconds(own.ru_stime);
    return s;
}

int ThreadGovernor::threads() {
    if (fixed_ > 0 || cores_ == 1) return current_;
    const auto now = std::chrono::steady_clock::now();
    if (last_ && now - last_->at < (measured_ ? kInterval : kFirstInterval)) return current_;
    const std::optional<Sample> s = sample();
    if (!s) return current_;
    if (last_) {
        const double interval = std::chrono::duration<double>(s->at - last_->at).count();
        const double free = free_cores(interval, s->machine_busy - last_->machine_busy,
                                       s->own_busy - last_->own_busy, cores_);
        current_ = std::clamp(static_cast<int>(std::lround(free)), 1, cores_);
        measured_ = true;
    }
    last_ = s;
    return current_;
}

}  // namespace arbiter::engine
