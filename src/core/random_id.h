#pragma once
// Identifiers nobody can guess or make collide: requests, streams, runs.

#include <string>
#include <string_view>

namespace arbiter {

// `prefix` and 24 random hex digits (96 bits from OpenSSL's generator), e.g. "req_3f2a...".
std::string random_id(std::string_view prefix);

}  // namespace arbiter
