#pragma once
// The PostgreSQL engine of storage::Database, through libpq: one connection to the database a
// postgresql:// URL names (libpq's own URL syntax, multi-host and target_session_attrs included).

#include "core/store_error.h"

namespace arbiter::storage {

// Every PostgreSQL failure: the server's message, or why it cannot be reached.
class PostgresError : public StoreError {
public:
    using StoreError::StoreError;
};

}  // namespace arbiter::storage
