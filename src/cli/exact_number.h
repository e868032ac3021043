#pragma once
// A number printed so that reading it back gives the same double (the shortest such text): a
// threshold copied from `arbiter train` or `arbiter eval` into a policy's front matter must be
// the one measured, not one rounded to a fixed number of decimals (4.6e-05 is not 0.0000).

#include <charconv>
#include <string>

namespace arbiter::cli {

inline std::string exact_number(double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

}  // namespace arbiter::cli
