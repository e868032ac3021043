#include "llama/llama_log.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "llama.h"

namespace arbiter::engine {

namespace {

std::mutex g_mutex;
std::string g_last_error;
bool g_passthrough = false;

void on_log(ggml_log_level level, const char* text, void*) {
    if (text == nullptr) return;
    if (g_passthrough) std::fputs(text, stderr);
    if (level != GGML_LOG_LEVEL_ERROR) return;
    std::string line(text);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (line.empty()) return;
    // "gguf_init_from_file_impl: invalid magic characters" -> "invalid magic characters"
    if (const size_t colon = line.find(": ");
        colon != std::string::npos && line.find(' ') == colon + 1 && colon < 48) {
        line = line.substr(colon + 2);
    }
    std::lock_guard lock(g_mutex);
    g_last_error = line;
}

}  // namespace

void install_llama_log() {
    static std::once_flag once;
    std::call_once(once, [] {
        const char* env = std::getenv("ARBITER_LLAMA_LOG");
        g_passthrough = env != nullptr && std::strcmp(env, "1") == 0;
        llama_log_set(on_log, nullptr);
    });
}

void clear_last_llama_error() {
    std::lock_guard lock(g_mutex);
    g_last_error.clear();
}

std::string last_llama_error() {
    std::lock_guard lock(g_mutex);
    return g_last_error;
}

}  // namespace arbiter::engine
