#pragma once
// The SQLite engine of storage::Database: one connection to a file, in WAL mode when writable.

#include "core/store_error.h"

namespace arbiter::storage {

// Every SQLite failure, naming the database file.
class SqliteError : public StoreError {
public:
    using StoreError::StoreError;
};

}  // namespace arbiter::storage
