#pragma once
// Whether a PostgreSQL database takes writes, asked once a second on a thread of its own: a
// readiness probe reads the answer without waiting on the network, a database that went away is
// noticed while no request comes, and a broken connection is made again before the next one.

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "storage/database.h"

namespace arbiter::storage {

class DatabaseWatch {
public:
    // Asks `db`, every `every`, with `mutex` (the lock its owner uses for it) held.
    DatabaseWatch(Database& db, std::mutex& mutex, std::chrono::milliseconds every = std::chrono::seconds(1));
    ~DatabaseWatch();
    DatabaseWatch(const DatabaseWatch&) = delete;
    DatabaseWatch& operator=(const DatabaseWatch&) = delete;

    // Whether the last question was answered by a primary that takes writes, and no write failed
    // since.
    bool writable() const { return writable_; }
    // A write just failed: not writable until the database answers again.
    void write_failed() { writable_ = false; }

private:
    void ask(Database& db, std::mutex& mutex);
    std::atomic<bool> writable_{true};
    std::jthread thread_;
};

}  // namespace arbiter::storage
