#pragma once
// API keys, read from a file of one key a line:
//
//   # name   role      sha256 of the key (hex)                                            limits, if any
//   ci-bot   classify  9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//   batch    classify  60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752 requests_per_second=5
//   per_day=10000
//
// A key's limits (core/rate_limit.h: requests_per_second, burst, jobs_per_second, per_day) replace
// those of the configuration's default (server.rate_limit) that it names, for that key; 0 is none.
//
// Only hashes are stored, so the file leaks no key. A presented key is hashed and compared with
// every stored hash in constant time, so neither timing nor an early exit tells how close it was.
// Keys are random (see make_api_key), which is why an unsalted hash is enough.

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/rate_limit.h"

namespace arbiter::service {

// Ordered: each role may do everything the roles before it may.
enum class Role {
    classify,  // classify, moderations, read and lint policies
    review,    // also read the decision log and review labels (people who review decisions)
    admin,     // everything: policy writes too
};

// Whether a key of role `has` may do what `needs` allows.
inline bool role_allows(Role has, Role needs) {
    return static_cast<int>(has) >= static_cast<int>(needs);
}

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view name);

class ApiKeyError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ApiKeyEntry {
    std::string name;
    Role role = Role::classify;
    std::string sha256;                        // lower-case hex
    std::optional<RateLimit> rate_limit = {};  // its own (unset fields negative: the default's)
};

// A key's limits written as the keys file writes them, "name=value" words separated by spaces
// (requests_per_second, burst, jobs_per_second, per_day): nullopt for none; ApiKeyError saying
// which word is not one.
std::optional<RateLimit> parse_key_limits(const std::string& words);

class ApiKeys {
public:
    // Throws ApiKeyError "FILE:LINE: reason" for a malformed line, a duplicate name or no keys.
    static ApiKeys load(const std::filesystem::path& path);
    // Keys from elsewhere (the database's table), checked as a file's lines are; `where` names
    // their source in errors. Throws ApiKeyError.
    static ApiKeys of(std::vector<ApiKeyEntry> entries, const std::string& where);

    // The entry the key belongs to, if any.
    std::optional<ApiKeyEntry> find(std::string_view key) const;

    size_t size() const { return entries_.size(); }

private:
    std::vector<ApiKeyEntry> entries_;
};

// The keys in force, replaced while the server runs (a reload of the file, a key made or revoked
// on another instance) without a request ever seeing half of a change.
class KeyRing {
public:
    explicit KeyRing(ApiKeys keys);
    std::optional<ApiKeyEntry> find(std::string_view key) const;
    void replace(ApiKeys keys);

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const ApiKeys> keys_;
};

// A new random key ("arb_" and 43 URL-safe characters, 256 bits) from OpenSSL's generator.
std::string make_api_key();

// The line for a keys file.
std::string api_key_line(const std::string& name, Role role, std::string_view key);

}  // namespace arbiter::service
