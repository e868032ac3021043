#pragma once
// --cascade for the commands that classify (classify, eval): auto (the default) runs the
// cascade when any policy declares rules or a fast tier, on runs it for every policy, off never.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cascade/cascade_backend.h"

namespace arbiter::cli {

void add_cascade_flag(CLI::App& cmd, std::string& value);

// The cascade for these policies, or null when --cascade says not to run one. Throws
// PolicyError for a bad rule and cascade::FastModelError for a missing or stale fast model.
std::shared_ptr<const cascade::Cascade> make_cascade(
    const std::string& flag, const std::vector<std::shared_ptr<const Policy>>& policies);

}  // namespace arbiter::cli
