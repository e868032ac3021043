// The engine's thread governor: the arithmetic of free cores, a fixed setting left alone, and a
// real measurement that sees busy processes and gives up threads to them.

#include "llama/thread_governor.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace arbiter::engine {
namespace {

TEST(ThreadGovernor, FreeCoresAreWhatOtherProcessesLeave) {
    // Quiet but for this process: everything is free.
    EXPECT_DOUBLE_EQ(ThreadGovernor::free_cores(1.0, 2.0, 2.0, 2), 2.0);
    // One busy process beside this one's two threads' worth.
    EXPECT_DOUBLE_EQ(ThreadGovernor::free_cores(0.5, 1.5, 1.0, 4), 3.0);
    // Others take every core: nothing free (the governor still keeps one thread).
    EXPECT_DOUBLE_EQ(ThreadGovernor::free_cores(1.0, 2.0, 0.6, 2), 0.6);
    EXPECT_DOUBLE_EQ(ThreadGovernor::free_cores(1.0, 8.0, 0.0, 2), 0.0);
    // Own time counted beyond the machine's (clock skew between the two sources) is not negative.
    EXPECT_DOUBLE_EQ(ThreadGovernor::free_cores(1.0, 0.5, 0.9, 2), 2.0);
    EXPECT_DOUBLE_EQ(ThreadGovernor::free_cores(0.0, 1.0, 0.0, 2), 2.0);
}

TEST(ThreadGovernor, AFixedCountIsKept) {
    ThreadGovernor governor(3, 2);
    EXPECT_EQ(governor.threads(), 3);
    std::this_thread::sleep_for(ThreadGovernor::kFirstInterval * 2);
    EXPECT_EQ(governor.threads(), 3);
}

TEST(ThreadGovernor, BusyProcessesOnEveryCoreLeaveOneThread) {
    const int cores = static_cast<int>(std::thread::hardware_concurrency());
    ThreadGovernor governor(0, cores);
    if (cores < 2) {
        EXPECT_EQ(governor.threads(), 1);  // one core: nothing to measure or give up
        return;
    }
    EXPECT_EQ(governor.threads(), cores);  // before any measurement
    std::vector<pid_t> busy;
    for (int i = 0; i < cores; ++i) {
        const pid_t pid = fork();
        if (pid == 0) {
            std::atomic<unsigned long> spin = 0;
            for (;;) spin.fetch_add(1, std::memory_order_relaxed);
        }
        busy.push_back(pid);
    }
    std::this_thread::sleep_for(ThreadGovernor::kInterval + std::chrono::milliseconds(200));
    const int under_load = governor.threads();
    for (pid_t pid : busy) kill(pid, SIGKILL);
    for (pid_t pid : busy) waitpid(pid, nullptr, 0);
    EXPECT_EQ(under_load, 1) << cores << " busy processes on " << cores << " cores";
}

}  // namespace
}  // namespace arbiter::engine
