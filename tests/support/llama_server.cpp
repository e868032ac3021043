#include "support/llama_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/test_model.h"

namespace arbiter::test {

int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        if (fd >= 0) close(fd);
        throw std::runtime_error("no free loopback port");
    }
    close(fd);
    return ntohs(addr.sin_port);
}

LlamaServer::LlamaServer(const std::filesystem::path& model, const std::vector<std::string>& args) {
    port_ = free_port();
    log_ = scratch_dir() / ("llama-server-" + std::to_string(port_) + ".log");
    std::vector<std::string> argv = {built_binary("llama-server"),
                                     "-m",
                                     model.string(),
                                     "--host",
                                     "127.0.0.1",
                                     "--port",
                                     std::to_string(port_),
                                     "-t",
                                     "1",
                                     "--no-webui"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        // The server dies with the test process, even when that crashes.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        std::vector<char*> c;
        c.reserve(argv.size() + 1);
        for (std::string& a : argv) c.push_back(a.data());
        c.push_back(nullptr);
        execv(c[0], c.data());
        _exit(127);
    }
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(1, 0);
    client.set_read_timeout(1, 0);
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            break;
        }
        if (auto r = client.Get("/health"); r && r->status == 200) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    kill();
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    const std::string log = text.str();
    throw std::runtime_error("llama-server did not get healthy; its log ends:\n" +
                             log.substr(log.size() > 2000 ? log.size() - 2000 : 0));
}

LlamaServer::~LlamaServer() {
    kill();
}

void LlamaServer::kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
}

bool llama_server_built() {
    return std::filesystem::exists(built_binary("llama-server"));
}

bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace arbiter::test
