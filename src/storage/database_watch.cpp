#include "storage/database_watch.h"

#include <condition_variable>

namespace arbiter::storage {

DatabaseWatch::DatabaseWatch(Database& db, std::mutex& mutex, std::chrono::milliseconds every)
    : thread_([this, &db, &mutex, every](const std::stop_token& stop) {
          std::mutex wait_mutex;
          std::condition_variable_any wake;
          while (!stop.stop_requested()) {
              std::unique_lock wait(wait_mutex);
              wake.wait_for(wait, stop, every, [] { return false; });  // a stop wakes it at once
              if (!stop.stop_requested()) ask(db, mutex);
          }
      }) {}

DatabaseWatch::~DatabaseWatch() = default;  // the jthread asks its thread to stop, and joins it

void DatabaseWatch::ask(Database& db, std::mutex& mutex) {
    const std::lock_guard lock(mutex);
    try {
        db.ensure_usable();  // makes a broken connection again
        // A standby after a failover answers, but refuses writes.
        Statement primary =
            db.prepare("SELECT NOT pg_is_in_recovery() AND current_setting('transaction_read_only') = 'off'");
        writable_ = primary.step() && primary.integer(0) != 0;
    } catch (const StoreError&) {
        writable_ = false;
    }
}

}  // namespace arbiter::storage
