#pragma once
// How many compute threads the engine should use now. llama.cpp's threads wait for each other at
// every barrier of a forward pass by spinning, so when another process takes one of their cores,
// the descheduled thread stalls all the others: on 2 cores with one busy process per core, two
// threads ran score mode at 6-23% of their quiet rate, one thread at 70% (bench/RESULTS.md). So
// with threads on auto, the governor watches how much of the machine other processes use (from
// /proc/stat and this process's own CPU time) and uses the cores they leave free, at least one:
// all of them on a quiet machine, fewer as others get busy, all again when they stop.

#include <chrono>
#include <cstdint>
#include <optional>

namespace arbiter::engine {

class ThreadGovernor {
public:
    // `fixed` > 0: always that many (no measuring). 0: auto, from 1 to `cores`.
    ThreadGovernor(int fixed, int cores);

    // The threads to use for the next forward pass; re-measured at most every `kInterval`.
    int threads();

    static constexpr std::chrono::milliseconds kInterval{500};
    // The first decision, from the engine's construction on, may come sooner.
    static constexpr std::chrono::milliseconds kFirstInterval{50};

    // The cores other processes left free over an interval, from the machine's and this
    // process's busy CPU seconds in it (exposed for its test).
    static double free_cores(double interval_seconds, double machine_busy_seconds, double own_busy_seconds,
                             int cores);

private:
    struct Sample {
        std::chrono::steady_clock::time_point at;
        double machine_busy = 0;  // CPU seconds of all cores not idle, since boot
        double own_busy = 0;      // this process's user + system CPU seconds
    };
    // Reads /proc; nullopt where it cannot (not Linux, no /proc): the governor then keeps `cores`.
    static std::optional<Sample> sample();

    const int fixed_;
    const int cores_;
    int current_;
    std::optional<Sample> last_;
    bool measured_ = false;
};

}  // namespace arbiter::engine
