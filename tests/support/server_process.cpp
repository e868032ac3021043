#include "support/server_process.h"

#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
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

// Each thread of `pid` with its state and what it waits in, for a server that never got ready.
std::string thread_states(pid_t pid) {
    std::string states;
    const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
        std::ifstream comm(task.path() / "comm"), wchan(task.path() / "wchan"), stat(task.path() / "stat");
        std::string name, waits, fields;
        std::getline(comm, name);
        std::getline(wchan, waits);
        std::getline(stat, fields);
        const size_t state = fields.rfind(") ");
        states += name + "[" + (state == std::string::npos ? "?" : fields.substr(state + 2, 1)) + " " +
                  waits + "] ";
    }
    return states;
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

    // The log is made empty here, before the child exists: read from the parent at once, it must
    // never show an earlier server's lines (a file left by a process with this pid before).
    const int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot write " + log_.string());
    pid_ = fork();
    if (pid_ < 0) {
        close(fd);
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        // The server dies with the test process, even when that crashes.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fd, STDERR_FILENO);
        dup2(fd, STDOUT_FILENO);
        std::vector<char*> raw;
        raw.reserve(argv.size() + 1);
        for (std::string& a : argv) raw.push_back(a.data());
        raw.push_back(nullptr);
        execv(raw[0], raw.data());
        _exit(127);
    }
    close(fd);

    wait_until_ready();
}

void ServerProcess::wait_until_ready() {
    // The port is read from a whole line only: a number cut short would be another port.
    const std::regex listening(R"(listening on http://[^:]+:(\d+) )");
    std::string last_answer = "no /readyz answer yet";
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
        std::smatch m;
        const std::string text = log();
        if (port_ == 0 && std::regex_search(text, m, listening)) port_ = std::stoi(m[1]);
        if (port_ != 0) {
            httplib::Client client("127.0.0.1", port_);
            client.set_connection_timeout(std::chrono::seconds(2));
            client.set_read_timeout(std::chrono::seconds(5));
            const auto res = client.Get("/readyz");
            if (res && res->status == 200) return;
            last_answer =
                res ? std::to_string(res->status) + " " + res->body : httplib::to_string(res.error());
        }
        if (wait_exit(pid_, 0) != -2) {
            pid_ = -1;
            throw std::runtime_error("arbiter serve exited:\n" + text);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const std::string threads = thread_states(pid_);
    kill(pid_, SIGKILL);
    wait_exit(pid_, 10);
    pid_ = -1;
    throw std::runtime_error("arbiter serve did not get ready on port " + std::to_string(port_) +
                             " (last /readyz: " + last_answer + "; threads: " + threads + "):\n" + log());
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
