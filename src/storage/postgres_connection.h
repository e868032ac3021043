#pragma once
// The PostgreSQL engine of storage::Database, through libpq: one connection to the database a
// postgresql:// URL names (libpq's own URL syntax, multi-host and target_session_attrs included).

#include <string>

#include "core/store_error.h"
#include "storage/database.h"

struct pg_conn;  // libpq's PGconn

namespace arbiter::storage {

// Every PostgreSQL failure: the server's message, or why it cannot be reached.
class PostgresError : public StoreError {
public:
    using StoreError::StoreError;
};

// A new connection to `url` with arbiter's settings (connect and statement timeouts, its name,
// notices kept off stderr; read_only: every transaction read-only, so that nothing run on it can
// write); the caller PQfinish()es it. Throws PostgresError.
pg_conn* connect_postgres(const std::string& url, Database::Access access = Database::Access::read_write);

}  // namespace arbiter::storage
