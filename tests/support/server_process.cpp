#include "support/server_process.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/test_model.h"

namespace arbiter::test {

namespace {

// Waits for the child, up to `seconds`; returns its exit code, or -2 if it is still running.
int wait_exit(pid_t pid, double seconds) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    for (;;) {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (std::chrono::steady_clock::now() > until) return -2;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

ServerProcess::ServerProcess(const std::filesystem::path& db, const std::vector<std::string>& args) {
    static int count = 0;
    log_ = scratch_dir() / ("server-" + std::to_string(++count) + ".log");
    std::vector<std::string> argv = {built_binary("arbiter"), "serve", "--port", "0", "--db", db.string()};
    if (std::find(args.begin(), args.end(), "--backend") == args.end()) {
        argv.push_back("--model");
        argv.push_back(tiny_model().string());
    }
    argv.insert(argv.end(), args.begin(), args.end());

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
        std::vector<char*> raw;
        raw.reserve(argv.size() + 1);
        for (std::string& a : argv) raw.push_back(a.data());
        raw.push_back(nullptr);
        execv(raw[0], raw.data());
        _exit(127);
    }

    const std::regex listening(R"(listening on http://[^:]+:(\d+))");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
        std::smatch m;
        const std::string text = log();
        if (port_ == 0 && std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
        if (port_ != 0) {
            httplib::Client client("127.0.0.1", port_);
            const auto res = client.Get("/readyz");
            if (res && res->status == 200) return;
        }
        if (wait_exit(pid_, 0) != -2) {
            pid_ = -1;
            throw std::runtime_error("arbiter serve exited:\n" + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    wait_exit(pid_, 10);
    pid_ = -1;
    throw std::runtime_error("arbiter serve did not get ready:\n" + log());
}

ServerProcess::~ServerProcess() {
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        wait_exit(pid_, 10);
    }
}

std::string ServerProcess::log() const {
    std::ifstream in(log_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int ServerProcess::stop(int seconds) {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int code = wait_exit(pid_, seconds);
    if (code == -2) {
        kill(pid_, SIGKILL);
        wait_exit(pid_, 10);
        code = -1;
    }
    pid_ = -1;
    return code;
}

}  // namespace arbiter::test
