#pragma once
// JSON from outside the process (a request body, a line of an input file, a server's reply),
// parsed with a bound on nesting: a deeply nested value would overflow the stack of whatever
// walks it later (serialising it, comparing it), so a bounded parse is the only safe one.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace arbiter {

// Deeper than any request, input line or reply arbiter reads.
inline constexpr int kMaxInputJsonDepth = 64;

// The JSON in `text`; nullopt when it is not JSON (a syntax error, a number out of range) or nests
// deeper than `max_depth`, and `error` then says which.
std::optional<nlohmann::json> parse_json(std::string_view text, std::string& error,
                                         int max_depth = kMaxInputJsonDepth);

// A JSON value that must be a whole number from `low` to `high`; nullopt for anything else (a
// fraction, a string, a number out of range: never wrapped to fit, as get<int>() would).
std::optional<int64_t> whole_number_in(const nlohmann::json& value, int64_t low, int64_t high);

}  // namespace arbiter
