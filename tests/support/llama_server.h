#pragma once
// A real llama-server (built from the same llama.cpp source) for the remote backend's tests: started
// on a free loopback port with a model, ready once /health answers 200, killed when the object
// goes (so that no server outlives a failed test).

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace arbiter::test {

class LlamaServer {
public:
    // Starts build/bin/llama-server with `model` and `args`; throws std::runtime_error (with the
    // end of the server's log) if it does not get healthy within a minute.
    explicit LlamaServer(const std::filesystem::path& model, const std::vector<std::string>& args = {});
    ~LlamaServer();
    LlamaServer(const LlamaServer&) = delete;
    LlamaServer& operator=(const LlamaServer&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int port() const { return port_; }
    // Kills the server at once (SIGKILL), as a crash would.
    void kill();

private:
    pid_t pid_ = -1;
    int port_ = 0;
    std::filesystem::path log_;
};

// A loopback port nothing listens on right now.
int free_port();

// Whether this build has build/bin/llama-server, and whether the tests run in CI (CI=true).
bool llama_server_built();
bool in_ci();

}  // namespace arbiter::test

// First in a test body (or SetUp) that needs llama-server: skips without one on a developer's
// build; under CI=true, where scripts/test always builds it, a missing one is a failure.
#define ARBITER_NEED_LLAMA_SERVER()                                                             \
    do {                                                                                        \
        if (!::arbiter::test::llama_server_built()) {                                           \
            if (::arbiter::test::in_ci()) FAIL() << "llama-server is not built, under CI=true"; \
            GTEST_SKIP() << "no llama-server in this build";                                    \
        }                                                                                       \
    } while (false)

namespace arbiter::test {}  // namespace arbiter::test
