// Every shell example of README.md and docs/*.md, run as a newcomer runs it: in a fresh folder
// laid out like a checkout after scripts/demo (build/bin with the built binaries, the generated
// model at models/demo-tiny.gguf, a copy of examples/), the blocks of one document in order, with
// only paths changed (a real model's path becomes the demo model's, port 8080 a free port). A block
// that cannot run here says why in a `<!-- not run: REASON -->` line right before it.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "support/markdown.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const fs::path kSource = ARBITER_SOURCE_DIR;
const fs::path kBin = ARBITER_BIN_DIR;
// A block that runs longer than this has hung (a server nobody stops, a read from a terminal).
constexpr std::chrono::seconds kBlockLimit{120};
// How long a block's leftover processes (a server started with &) get to stop after SIGTERM.
constexpr std::chrono::seconds kDrain{15};

// README.md and docs/*.md, relative to the source folder.
std::vector<std::string> documents() {
    std::vector<std::string> docs = {"README.md"};
    for (const auto& entry : fs::directory_iterator(kSource / "docs")) {
        if (entry.path().extension() == ".md") docs.push_back("docs/" + entry.path().filename().string());
    }
    std::sort(docs.begin() + 1, docs.end());
    return docs;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// A port nothing listens on now.
int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
        throw std::runtime_error("no free port");
    close(fd);
    return ntohs(address.sin_port);
}

// What a newcomer changes in an example: paths to their own files, and a port that is free.
std::string as_newcomer(std::string script, int port) {
    replace_all(script, "path/to/gpt-oss-safeguard-20b.gguf", "models/demo-tiny.gguf");
    const std::string from = "8080";
    for (size_t at = script.find(from); at != std::string::npos; at = script.find(from, at + 1)) {
        const bool digit_before = at > 0 && std::isdigit(static_cast<unsigned char>(script[at - 1]));
        const size_t after = at + from.size();
        const bool digit_after =
            after < script.size() && std::isdigit(static_cast<unsigned char>(script[after]));
        if (!digit_before && !digit_after) script.replace(at, from.size(), std::to_string(port));
    }
    return script;
}

// A folder laid out as a checkout is after scripts/demo.
fs::path workspace(const std::string& name) {
    const fs::path dir = test::scratch_dir() / "docs" / name;
    fs::remove_all(dir);
    fs::create_directories(dir / "build");
    fs::create_directories(dir / "models");
    fs::create_directory_symlink(kBin, dir / "build" / "bin");
    fs::create_symlink(test::tiny_model(), dir / "models" / "demo-tiny.gguf");
    fs::copy(kSource / "examples", dir / "examples", fs::copy_options::recursive);
    return dir;
}

// SIGTERM to what the block left running, then SIGKILL to what is still there after kDrain; the
// test process is their subreaper, so they are reaped here rather than left as zombies.
void stop_group(pid_t group) {
    kill(-group, SIGTERM);
    const auto until = Clock::now() + kDrain;
    for (;;) {
        const pid_t reaped = waitpid(-group, nullptr, WNOHANG);
        if (reaped < 0) return;  // no process of the group is left
        if (reaped == 0 && Clock::now() > until) kill(-group, SIGKILL);
        if (reaped == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

struct BlockResult {
    int exit_code = -1;  // -1: killed at kBlockLimit
    std::string output;
};

// Runs `script` with bash -e -o pipefail in `dir`, the built binaries first on PATH and nothing on
// standard input, in a process group of its own.
BlockResult run_block(const fs::path& dir, const fs::path& script) {
    const fs::path log = script.string() + ".log";
    const std::string path = kBin.string() + ":" + (getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        setpgid(0, 0);
        FILE* out = fopen(log.c_str(), "w");
        FILE* in = fopen("/dev/null", "r");
        if (!out || !in || chdir(dir.c_str()) != 0) _exit(127);
        dup2(fileno(out), STDOUT_FILENO);
        dup2(fileno(out), STDERR_FILENO);
        dup2(fileno(in), STDIN_FILENO);
        setenv("PATH", path.c_str(), 1);
        execl("/bin/bash", "bash", "-e", "-o", "pipefail", script.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    setpgid(pid, pid);  // also here, so that stop_group never races the child's own call
    BlockResult result;
    const auto until = Clock::now() + kBlockLimit;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (Clock::now() > until) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            status = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (status != -1) result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    stop_group(pid);
    result.output = test::read_text(log);
    return result;
}

std::string tail(const std::string& text, size_t n) {
    return text.size() <= n ? text : "...\n" + text.substr(text.size() - n);
}

TEST(DocsExamples, EveryShellBlockRunsOrSaysWhyNot) {
    size_t runnable = 0;
    for (const std::string& doc : documents()) {
        for (const test::CodeBlock& block : test::code_blocks(test::read_text(kSource / doc))) {
            const std::string where = doc + ":" + std::to_string(block.line);
            if (block.not_run && !test::is_shell(block))
                ADD_FAILURE() << where << ": a not-run marker before a " << block.language
                              << " block, which is never run anyway";
            if (block.not_run && block.not_run->empty())
                ADD_FAILURE() << where << ": `<!-- not run: REASON -->` needs its reason";
            if (!test::is_shell(block) || block.not_run) continue;
            ++runnable;
            // The port is what the test moves to a free one: a server left on its default would
            // take the machine's 8080 and never answer the example's requests.
            if (block.text.find("arbiter serve ") != std::string::npos &&
                block.text.find("--port 8080") == std::string::npos)
                ADD_FAILURE() << where << ": a serve example names its port (--port 8080)";
        }
    }
    EXPECT_GE(runnable, 20u) << "the documents' examples went missing";
}

class DocExamples : public testing::TestWithParam<std::string> {};

TEST_P(DocExamples, RunAsANewcomerRunsThem) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    const std::string doc = GetParam();
    const fs::path dir = workspace(fs::path(doc).stem().string());
    const fs::path scripts = dir.string() + "-scripts";
    fs::create_directories(scripts);
    const int port = free_port();
    int n = 0;
    for (const test::CodeBlock& block : test::code_blocks(test::read_text(kSource / doc))) {
        if (!test::is_shell(block) || block.not_run) continue;
        const fs::path script = scripts / ("block-" + std::to_string(++n) + ".sh");
        const std::string text = as_newcomer(block.text, port);
        std::ofstream(script) << text;
        const BlockResult r = run_block(dir, script);
        const std::string how = r.exit_code < 0 ? "ran past " + std::to_string(kBlockLimit.count()) + " s"
                                                : "exited " + std::to_string(r.exit_code);
        EXPECT_EQ(r.exit_code, 0) << doc << ":" << block.line << " " << how << "\n--- the block as run:\n"
                                  << text << "--- its output:\n"
                                  << tail(r.output, 4000);
        if (r.exit_code != 0) return;  // later blocks build on this one
    }
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
    std::string name = info.param;
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Documents, DocExamples, testing::ValuesIn(documents()), test_name);

}  // namespace
}  // namespace arbiter
