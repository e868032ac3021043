#pragma once
// `arbiter serve` as a child process for tests: started on a free loopback port with the tiny
// model, waited for until ready, stopped with SIGTERM (or killed if a test leaves it running).

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace arbiter::test {

class ServerProcess {
public:
    // Runs `arbiter serve --model <tiny> --port 0 --db <db> <args...>` (no --model when `args`
    // choose a --backend) and waits (up to 60 s) for /readyz; throws std::runtime_error with the
    // server's log if it does not get there.
    ServerProcess(const std::filesystem::path& db, const std::vector<std::string>& args);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    int port() const { return port_; }
    pid_t pid() const { return pid_; }
    std::string log() const;

    // Sends SIGTERM and waits up to `seconds` for the exit; returns the exit code (-1: killed).
    int stop(int seconds = 60);

private:
    void wait_until_ready();

    pid_t pid_ = -1;
    int port_ = 0;
    std::filesystem::path log_;
};

}  // namespace arbiter::test
