#pragma once
// Files and processes for tests that need no model: a private temporary folder, files in it,
// shell commands, and the binaries built beside the tests.

#include <filesystem>
#include <string>

namespace arbiter::test {

// A fresh temporary folder for this process, removed at exit.
const std::filesystem::path& scratch_dir();

// Writes `text` to a file of that name in scratch_dir(); returns its path.
std::string write_file(const std::string& name, const std::string& text);

// Runs a shell command; returns its exit status and captures stdout (and stderr, merged).
struct CommandResult {
    int exit_code;
    std::string output;
};
CommandResult run_command(const std::string& command);

// Path of a binary built next to the test binary (build/bin).
std::string built_binary(const std::string& name);

}  // namespace arbiter::test
