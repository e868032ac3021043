#pragma once
// This machine's ceilings, measured in the same run as the engines they bound: FP32 FMA
// throughput (what prefill can reach) and memory bandwidth (what decode can reach).

namespace arbiter::bench {

struct MachineCeiling {
    double fma_gflops = 0;  // all threads, FP32 multiply-adds counted as two operations
    double triad_gbps = 0;  // STREAM-style triad a[i] = b[i] + s * c[i], all threads
};

MachineCeiling probe_machine(int threads);

}  // namespace arbiter::bench
