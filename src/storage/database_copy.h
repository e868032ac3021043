#pragma once
// Copies arbiter's state (every table of storage/state_tables.h) from one database into another,
// either engine into either: above all a SQLite file into the PostgreSQL database a fleet shares
// (docs/fleet.md). The target gets the schema this arbiter knows, made by opening its stores on it
// as a server does, and every row with its ids (a run copied queued or running waits for, or is
// taken over by, whichever instance claims it first: run_store.h); the source is opened read-only
// and never written. A copy stopped part way (killed, its connection lost) goes on where it
// stopped when run again with `resume`.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/store_error.h"

namespace arbiter::storage {

// A copy that must not be made as asked: the source is missing or not an arbiter database, was
// written by a newer arbiter, or is the target itself.
class CopyRefused : public StoreError {
public:
    using StoreError::StoreError;
};

// A target that holds rows already, asked to take a copy from the start.
class TargetNotEmpty : public CopyRefused {
public:
    TargetNotEmpty(const std::string& message, std::string table)
        : CopyRefused(message), table_(std::move(table)) {}
    // The first of its tables that holds rows.
    const std::string& table() const { return table_; }

private:
    std::string table_;
};

struct CopyOptions {
    // Go on with a copy into the target that was stopped part way: rows the target holds (by
    // primary key) are passed over. Without it, a target that holds any row is refused.
    bool resume = false;
    size_t batch_rows = 500;  // rows per transaction of the target
    // Called after each batch commits: `done` of the source's `total` rows passed so far.
    std::function<void(size_t done, size_t total)> progress;
};

// What a copy did to one table.
struct TableCopied {
    std::string table;
    size_t rows = 0;    // in the source
    size_t copied = 0;  // written now; the others were in the target already
};

// Copies the database at `from` (a SQLite file or a PostgreSQL URL) into the one at `to`. Returns
// what it did to each table the source has, in the order it copied them. Throws CopyRefused,
// TargetNotEmpty, or StoreError (a database unreachable or failing, where a copy run again with
// `resume` goes on).
std::vector<TableCopied> copy_database(const std::string& from, const std::string& to,
                                       const CopyOptions& options);

}  // namespace arbiter::storage
