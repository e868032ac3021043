#pragma once
// SHA-256 (OpenSSL) for content hashes in the decision log and for stored API keys.

#include <string>
#include <string_view>

namespace arbiter {

// Lower-case hex digest of `data`.
std::string sha256_hex(std::string_view data);

}  // namespace arbiter
