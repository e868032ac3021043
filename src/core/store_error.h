#pragma once
// A store that cannot answer now (a database gone, locked too long, a disk full): the request is
// refused as temporarily unavailable, never answered without its record. Each engine's own error
// (storage::SqliteError, storage::PostgresError) derives from it, so the transport answers them
// all alike without knowing the stores.

#include <stdexcept>

namespace arbiter {

class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace arbiter
