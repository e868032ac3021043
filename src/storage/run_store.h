#pragma once
// Runs: a policy version judged over a labelled set or over logged decisions, in the
// background, compared with another version (service/eval_runs.h does the work). Kept in SQLite
// so that results outlive the server; a run that was queued or running when the server stopped
// is marked failed when it starts again. Owns the `runs` table:
//
//   runs(id, created_at, created_by, policy_id, spec, status, done, total, finished_at, error,
//        results)          spec and results: JSON
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
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
};

class RunStore {
public:
    // Opens (creating the table where missing); runs left unfinished become failed. Throws
    // StoreError.
    explicit RunStore(const std::string& location);

    void add(const Run& run);  // created_at is set here when empty
    // Writes the run's status, progress, finish time, error and results.
    void update(const Run& run);
    std::optional<Run> get(const std::string& id);
    // Newest first, without results.
    std::vector<Run> list(const std::optional<std::string>& policy_id, size_t limit);

private:
    std::mutex mutex_;
    Database db_;
};

}  // namespace arbiter::storage
