#pragma once
// API keys kept in the database, so that every instance sharing it takes the same keys and a
// key made or revoked once (`arbiter apikey --db`) holds on all of them:
//
//   api_keys(name, role, sha256, created_at, limits)
//
// As in a keys file, only the key's SHA-256 is kept; the key itself is shown once, when made.

#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "storage/database.h"

namespace arbiter::storage {

struct StoredKey {
    std::string name;
    std::string role;         // classify | review | admin
    std::string sha256;       // lower-case hex
    std::string limits = {};  // its own rate limits, as a keys file writes them ("burst=5 per_day=100")
};

// A key added under a name that is taken.
class KeyNameTaken : public StoreError {
public:
    using StoreError::StoreError;
};

class KeyStore {
public:
    // Opens (creating the table where missing). Throws StoreError.
    explicit KeyStore(const std::string& location);

    // Throws KeyNameTaken, or StoreError.
    void add(const StoredKey& key);
    // False when there was no key of that name.
    bool revoke(const std::string& name);
    // Every key, by name.
    std::vector<StoredKey> all();

private:
    std::mutex mutex_;
    Database db_;
};

}  // namespace arbiter::storage
