#pragma once
// The flags that choose and configure the backend, shared by every command that classifies
// (classify, eval, serve), so that all accept and check them alike: --backend embedded|remote,
// the embedded engine's flags, the remote backend's, and --config FILE (its `backend:` section,
// which the flags override).

#include <CLI/CLI.hpp>
#include <cstddef>
#include <memory>

#include "cli/backend_config.h"
#include "core/backend.h"
#include "llama/embedded_engine.h"
#include "remote/remote_options.h"

namespace arbiter::cli {

struct BackendFlags {
    std::string config;
    BackendChoice choice;  // what the flags gave
    // Stream sessions when neither a flag nor the configuration sets them (serve's gateway wants
    // some), on a backend that can keep them: a remote one in chat mode cannot.
    int default_streams = 0;
};

// Adds --config, --backend, --model/-m, --parallel, --threads, --ctx, --gpu-layers,
// --max-reasoning-tokens, --seed, --endpoint (repeatable), --remote-engine, --remote-mode,
// --tokenizer, --remote-model, --api-key-env, --max-concurrency-per-endpoint, --retries and
// --timeout.
void add_backend_flags(CLI::App& cmd, BackendFlags& flags);

// The configuration file's choice overridden by the flags, checked.
struct BackendSettings {
    bool remote = false;
    engine::EngineOptions embedded;
    remote::RemoteOptions remote_options;
    std::optional<uint32_t> seed;  // for the jobs
    // Jobs worth keeping in flight: enough to keep every slot or endpoint busy.
    size_t window() const;
};

// Throws BackendError with a clear message (missing --model for the embedded engine, no
// endpoint for the remote one, a bad configuration file, ...). One embedded prefix slot per
// policy, up to 16.
BackendSettings resolve_backend(const BackendFlags& flags, size_t policies);

// Starts the backend; throws BackendError when it cannot (unreadable model, unset API key
// variable, ...).
std::unique_ptr<Backend> make_backend(const BackendSettings& settings);
std::unique_ptr<Backend> make_backend(const BackendFlags& flags, size_t policies);

}  // namespace arbiter::cli
