#pragma once
// llama.cpp and ggml log to stderr by default; arbiter keeps its terminal output its own.
// Their messages are dropped (or passed through when ARBITER_LLAMA_LOG=1), except that the last
// error line is kept so a failure can say why.

#include <string>

namespace arbiter::engine {

// Installs the log handler (idempotent, thread-safe).
void install_llama_log();

// Forgets the last error line; call before an operation whose failure you want to explain.
void clear_last_llama_error();

// The last error line logged since clear_last_llama_error(), without ggml's "function: " prefix.
std::string last_llama_error();

}  // namespace arbiter::engine
