#pragma once
// Generated models for tests: written once per test process into a private temporary folder.

#include <filesystem>
#include <string>

namespace arbiter::test {

// The tiny gpt-oss model (seed 42).
const std::filesystem::path& tiny_model();

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
