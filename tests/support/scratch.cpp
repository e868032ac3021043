#include "support/scratch.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace arbiter::test {

const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        std::filesystem::path d =
            std::filesystem::temp_directory_path() / ("arbiter-test-" + std::to_string(getpid()));
        // A process killed before its exit handler ran leaves its folder; a later one given the same
        // pid must not read its files as its own.
        std::filesystem::remove_all(d);
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch_dir(), ec);
        });
        return d;
    }();
    return dir;
}

std::string write_file(const std::string& name, const std::string& text) {
    const std::filesystem::path p = scratch_dir() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
}

CommandResult run_command(const std::string& command) {
    const std::string merged = command + " 2>&1";
    FILE* pipe = popen(merged.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
    std::string output;
    std::array<char, 4096> buffer{};
    size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
    const int status = pclose(pipe);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

std::string built_binary(const std::string& name) {
    return std::string(ARBITER_BIN_DIR) + "/" + name;
}

}  // namespace arbiter::test
