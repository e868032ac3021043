#pragma once
// Two policies whose outcome the tiny model's random weights cannot change, for the gateway's
// tests: every P(violation) is >= 0 and < 1, so `always` (threshold 0) flags any text and
// `never` (threshold 1) none.

#include <filesystem>
#include <fstream>
#include <string>

#include "support/scratch.h"

namespace arbiter::test {

// The folder holding always.md and never.md (written on the first call).
inline std::string certain_policies() {
    const std::filesystem::path dir = scratch_dir() / "certain-policies";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "always.md")
        << "---\nid: always\nstream: {check_every_tokens: 4, threshold: 0.0}\n---\n"
           "# Everything\nFlag any text at all.\n";
    std::ofstream(dir / "never.md")
        << "---\nid: never\nstream: {check_every_tokens: 4, threshold: 1.0}\n---\n"
           "# Nothing\nFlag nothing.\n";
    return dir.string();
}

}  // namespace arbiter::test
