#include "machine_probe.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace arbiter::bench {

namespace {

using Clock = std::chrono::steady_clock;

// Twelve independent chains of vector FMAs: enough to cover the FMA latency on two ports.
// GCC's vector extensions rather than intrinsics: the same source compiles on every x86-64 level
// and on other architectures, and -march=native picks the widest vectors the machine has.
constexpr int kChains = 12;
#if defined(__AVX512F__)
constexpr int kWidth = 16;
#else
constexpr int kWidth = 8;
#endif
using Lanes = float __attribute__((vector_size(kWidth * sizeof(float))));

float fma_kernel(long iterations, float seed) {
    Lanes acc[kChains];
    for (int i = 0; i < kChains; ++i) acc[i] = Lanes{} + (seed + static_cast<float>(i));
    const Lanes m = Lanes{} + 0.999999f, a = Lanes{} + 1e-7f;
    for (long it = 0; it < iterations; ++it) {
        for (auto& chain : acc) chain = chain * m + a;  // contracted to FMA (-ffp-contract=fast)
    }
    float sum = 0;
    for (const auto& chain : acc) {
        for (int lane = 0; lane < kWidth; ++lane) sum += chain[lane];
    }
    return sum;
}

}  // namespace

MachineCeiling probe_machine(int threads) {
    MachineCeiling c;
    const int n = std::max(1, threads);

    // FMA: each thread runs `iterations` x kChains vector multiply-adds.
    const long iterations = 20'000'000;
    std::vector<std::thread> pool;
    pool.reserve(static_cast<size_t>(n));
    std::vector<float> sinks(static_cast<size_t>(n));
    const auto t0 = Clock::now();
    for (int t = 0; t < n; ++t) {
        pool.emplace_back(
            [&, t] { sinks[static_cast<size_t>(t)] = fma_kernel(iterations, static_cast<float>(t)); });
    }
    for (auto& th : pool) th.join();
    const double fma_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    c.fma_gflops = 2.0 * kChains * kWidth * static_cast<double>(iterations) * n / fma_seconds / 1e9;

    // Triad over arrays far larger than the caches, best of three passes.
    const size_t elements = size_t{32} * 1024 * 1024;  // 3 x 128 MiB
    std::vector<float> a(elements), b(elements, 1.0f), cc(elements, 2.0f);
    double best = 0;
    for (int pass = 0; pass < 3; ++pass) {
        pool.clear();
        const auto s0 = Clock::now();
        for (int t = 0; t < n; ++t) {
            pool.emplace_back([&, t] {
                const size_t begin = elements * static_cast<size_t>(t) / static_cast<size_t>(n);
                const size_t end = elements * static_cast<size_t>(t + 1) / static_cast<size_t>(n);
                for (size_t i = begin; i < end; ++i) a[i] = b[i] + 3.0f * cc[i];
            });
        }
        for (auto& th : pool) th.join();
        const double seconds = std::chrono::duration<double>(Clock::now() - s0).count();
        best = std::max(best, 3.0 * sizeof(float) * static_cast<double>(elements) / seconds / 1e9);
    }
    c.triad_gbps = best;
    volatile float keep = a[elements / 2] + sinks[0];
    (void)keep;
    return c;
}

}  // namespace arbiter::bench
