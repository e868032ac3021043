#pragma once
// Runs: a policy version judged over a labelled set or over logged decisions, in the background,
// compared with another version (review/eval_runs.h does the work). The table is the runs' queue,
// shared by every instance on one database: an instance claims the oldest queued run and holds
// it under a lease that each step of its progress renews; a run whose lease ran out (its instance
// died) is claimed again by any instance and starts over, at most kMaxAttempts times. A run can be
// cancelled from any instance. Owns the `runs` table:
//
//   runs(id, created_at, created_by, policy_id, spec, status, done, total, finished_at, error,
//        results, claimed_by, lease_until, cancel_requested, attempts)
//
// spec and results are JSON; lease_until is milliseconds since the Unix epoch by the holder's
// clock (instances' clocks must agree to well within a lease, as NTP keeps them).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "storage/database.h"

namespace arbiter::storage {

struct Run {
    std::string id;
    std::string created_at;
    std::string created_by;
    std::string policy_id;
    nlohmann::ordered_json spec;  // what to run, as the request gave it (checked)
    std::string status;           // queued, running, done, cancelled, failed
    int64_t done = 0, total = 0;
    std::string finished_at;
    std::string error;
    nlohmann::ordered_json results;  // null until done
    std::string claimed_by;          // the instance running it ("" while queued)
};

// Runs waiting: in all, and those one key started.
struct QueuedRuns {
    size_t all = 0;
    size_t mine = 0;
};

// What a holder learns when it renews its lease.
struct Lease {
    bool held = false;              // false: the lease ran out and another instance took the run
    bool cancel_requested = false;  // an instance was asked to cancel it
};

enum class Cancelled {
    now,        // it was queued (or its holder is gone): cancelled
    requested,  // another instance runs it: it stops at its next step
    finished,   // it had already finished
    unknown,    // no such run
};

class RunStore {
public:
    // Claims after which a run whose lease runs out again fails rather than start over.
    static constexpr int kMaxAttempts = 3;

    // Opens (creating or updating the table where needed). Throws StoreError.
    explicit RunStore(const std::string& location);

    void add(const Run& run);  // queued; created_at is set here when empty
    std::optional<Run> get(const std::string& id);
    // Newest first, without results.
    std::vector<Run> list(const std::optional<std::string>& policy_id, size_t limit);
    QueuedRuns queued(const std::string& created_by);

    // Claims for `instance`, until `lease` from now, the oldest queued run or one whose lease ran
    // out (its progress starts over). Ends, on the way, the runs whose lease ran out that were
    // cancelled or have had kMaxAttempts.
    std::optional<Run> claim(const std::string& instance, std::chrono::milliseconds lease);
    // Writes the progress of a run `instance` holds and renews its lease.
    Lease renew(const Run& run, const std::string& instance, std::chrono::milliseconds lease);
    // Writes a held run's end: its status, finish time, error and results. False when `instance`
    // no longer holds it (another took it over), and then nothing is written.
    bool finish(const Run& run, const std::string& instance);
    // Puts a run `instance` holds back in the queue, for another instance or the next start (this
    // one is stopping); the claim is not counted as an attempt.
    void release(const std::string& id, const std::string& instance);
    Cancelled cancel(const std::string& id);
    // Erases the content shown for the items `item_ids` names ("decision-12", "review-7") in every
    // finished run's results (service/content_erasure.h): the item stays, its content null. Returns how
    // many runs changed.
    size_t erase_items(const std::set<std::string>& item_ids);

private:
    // Whether any run may be claimed (a read: an idle queue, asked every second by every
    // instance, is never written to). With mutex_ held.
    bool claimable(int64_t now);
    // Ends the runs whose lease ran out that may not be claimed again (with mutex_ held).
    void end_abandoned(int64_t now);

    std::mutex mutex_;
    Database db_;
};

}  // namespace arbiter::storage
