#pragma once
// The PostgreSQL engine of storage::Database, through libpq: one connection to the database a
// postgresql:// URL names (libpq's own URL syntax, multi-host and target_session_attrs included).

#include <string>

#include "core/store_error.h"

struct pg_conn;  // libpq's PGconn

namespace arbiter::storage {

// Every PostgreSQL failure: the server's message, or why it cannot be reached.
class PostgresError : public StoreError {
public:
    using StoreError::StoreError;
};

// A new connection to `url` with arbiter's settings (connect and statement timeouts, its name,
// notices kept off stderr); the caller PQfinish()es it. Throws PostgresError.
pg_conn* connect_postgres(const std::string& url);

}  // namespace arbiter::storage
