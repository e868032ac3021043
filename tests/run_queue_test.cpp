// The runs' queue (storage/run_store.h) on both engines: claims by instances that never share a
// run, leases that run out and are taken over, cancels from anywhere, releases at a stop.

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "storage/run_store.h"
#include "support/both_engines.h"

namespace arbiter::storage {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kLong{60000};
constexpr milliseconds kShort{200};

class RunQueue : public test::OnBothEngines {
protected:
    // Queues runs run_1 ... run_n, oldest first.
    static void queue(RunStore& runs, int n, const std::string& by = "rita") {
        for (int i = 1; i <= n; ++i) {
            storage::Run run;
            run.id = "run_" + std::to_string(i);
            run.created_at = "2026-12-05T10:00:" + std::string(i < 10 ? "0" : "") + std::to_string(i) + "Z";
            run.created_by = by;
            run.policy_id = "spam";
            run.spec = {{"candidate", {{"version", 1}}}};
            runs.add(run);
        }
    }
    static void let_leases_run_out() { std::this_thread::sleep_for(kShort * 3); }
};

TEST_P(RunQueue, ClaimsTakeTheOldestQueuedRunOnce) {
    RunStore runs(fresh("claims"));
    queue(runs, 3);
    EXPECT_EQ(runs.queued("rita").all, 3u);
    EXPECT_EQ(runs.queued("rita").mine, 3u);
    EXPECT_EQ(runs.queued("sam").mine, 0u);
    for (const char* expected : {"run_1", "run_2", "run_3"}) {
        const std::optional<storage::Run> claimed = runs.claim("a", kLong);
        ASSERT_TRUE(claimed);
        EXPECT_EQ(claimed->id, expected);
        EXPECT_EQ(claimed->status, "running");
        EXPECT_EQ(claimed->claimed_by, "a");
        EXPECT_EQ(runs.get(expected)->claimed_by, "a");
    }
    EXPECT_FALSE(runs.claim("b", kLong));
    EXPECT_EQ(runs.queued("rita").all, 0u);
}

TEST_P(RunQueue, InstancesClaimingAtOnceNeverShareARun) {
    const std::string db = fresh("together");
    {
        RunStore runs(db);
        queue(runs, 30);
    }
    std::mutex mutex;
    std::multiset<std::string> claimed;
    {
        std::vector<std::jthread> instances;
        instances.reserve(4);
        for (int i = 0; i < 4; ++i) {
            instances.emplace_back([&, i] {
                RunStore runs(db);  // a connection of its own, as another instance has
                const std::string instance = std::to_string(i);
                while (const std::optional<storage::Run> run = runs.claim(instance, kLong)) {
                    const std::lock_guard lock(mutex);
                    claimed.insert(run->id);
                }
            });
        }
    }
    EXPECT_EQ(claimed.size(), 30u);
    EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), 30u);
}

TEST_P(RunQueue, ALeaseThatRunsOutIsTakenOverAndItsProgressStartsOver) {
    RunStore runs(fresh("takeover"));
    queue(runs, 1);
    storage::Run mine = *runs.claim("a", kShort);
    mine.done = 5;
    mine.total = 10;
    EXPECT_TRUE(runs.renew(mine, "a", kShort).held);  // progress renews the lease...
    EXPECT_EQ(runs.get("run_1")->done, 5);
    EXPECT_FALSE(runs.claim("b", kLong));  // ...which another instance respects
    let_leases_run_out();
    const std::optional<storage::Run> taken = runs.claim("b", kLong);
    ASSERT_TRUE(taken);
    EXPECT_EQ(taken->claimed_by, "b");
    EXPECT_EQ(taken->done, 0);
    // The instance that lost it can neither renew nor finish it.
    EXPECT_FALSE(runs.renew(mine, "a", kLong).held);
    mine.status = "done";
    EXPECT_FALSE(runs.finish(mine, "a"));
    EXPECT_EQ(runs.get("run_1")->status, "running");
    storage::Run theirs = *taken;
    theirs.status = "done";
    theirs.results = {{"candidate", {{"evaluated", 1}}}};
    EXPECT_TRUE(runs.finish(theirs, "b"));
    const storage::Run finished = *runs.get("run_1");
    EXPECT_EQ(finished.status, "done");
    EXPECT_EQ(finished.results["candidate"]["evaluated"], 1);
    EXPECT_FALSE(finished.finished_at.empty());
}

TEST_P(RunQueue, ARunWhoseInstancesKeepDyingFailsAfterItsAttempts) {
    RunStore runs(fresh("attempts"));
    queue(runs, 1);
    for (int i = 0; i < RunStore::kMaxAttempts; ++i) {
        ASSERT_TRUE(runs.claim(std::to_string(i), kShort)) << i;
        let_leases_run_out();
    }
    EXPECT_FALSE(runs.claim("last", kLong));
    const storage::Run failed = *runs.get("run_1");
    EXPECT_EQ(failed.status, "failed");
    EXPECT_NE(failed.error.find("stopped 3 times"), std::string::npos) << failed.error;
}

TEST_P(RunQueue, ARunReleasedAtAStopWaitsForTheNextInstanceWithoutUsingAnAttempt) {
    RunStore runs(fresh("release"));
    queue(runs, 1);
    for (int i = 0; i < RunStore::kMaxAttempts + 2; ++i) {
        ASSERT_TRUE(runs.claim("a", kLong)) << i;
        runs.release("run_1", "a");
        EXPECT_EQ(runs.get("run_1")->status, "queued");
        EXPECT_EQ(runs.get("run_1")->claimed_by, "");
    }
    runs.release("run_1", "a");  // not held: nothing happens
    ASSERT_TRUE(runs.claim("b", kShort));
    let_leases_run_out();
    EXPECT_TRUE(runs.claim("c", kLong));  // the first attempt that counted was b's
}

TEST_P(RunQueue, CancelsReachQueuedRunsAtOnceAndRunningOnesThroughTheirHolder) {
    RunStore runs(fresh("cancel"));
    queue(runs, 3);
    storage::Run running = *runs.claim("a", kLong);
    storage::Run orphan = *runs.claim("b", kShort);  // its instance dies
    EXPECT_EQ(runs.cancel("run_3"), Cancelled::now);
    EXPECT_EQ(runs.get("run_3")->status, "cancelled");
    EXPECT_FALSE(runs.claim("c", kLong));

    EXPECT_EQ(runs.cancel("run_1"), Cancelled::requested);
    EXPECT_EQ(runs.get("run_1")->status, "running");
    const Lease lease = runs.renew(running, "a", kLong);
    EXPECT_TRUE(lease.held);
    EXPECT_TRUE(lease.cancel_requested);
    running.status = "cancelled";
    EXPECT_TRUE(runs.finish(running, "a"));
    EXPECT_EQ(runs.cancel("run_1"), Cancelled::finished);

    let_leases_run_out();
    EXPECT_EQ(runs.cancel(orphan.id), Cancelled::now);
    EXPECT_EQ(runs.get(orphan.id)->status, "cancelled");
    EXPECT_EQ(runs.cancel("run_nope"), Cancelled::unknown);
}

TEST_P(RunQueue, ACancelRequestedOfAnInstanceThatThenDiedEndsTheRun) {
    RunStore runs(fresh("cancel-dead"));
    queue(runs, 1);
    ASSERT_TRUE(runs.claim("a", kShort));
    EXPECT_EQ(runs.cancel("run_1"), Cancelled::requested);
    let_leases_run_out();
    EXPECT_FALSE(runs.claim("b", kLong));  // not taken over: it was to stop
    EXPECT_EQ(runs.get("run_1")->status, "cancelled");
}

ARBITER_ON_BOTH_ENGINES(RunQueue);

}  // namespace
}  // namespace arbiter::storage
