#pragma once
// The embedded engine's flags, shared by the commands that run it (classify, eval), so that both
// accept and check them alike.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "engine/embedded_engine.h"

namespace arbiter::cli {

struct EngineFlags {
    std::string model;
    int parallel = 4;
    int threads = 0;
    int ctx = 8192;
    int max_reasoning_tokens = 0;  // 0: the engine's default
    std::optional<uint32_t> seed;
};

// Adds --model, --parallel, --threads, --ctx, --max-reasoning-tokens and --seed; returns --model.
CLI::Option* add_engine_flags(CLI::App& cmd, EngineFlags& flags);

// Engine options for `policies` policies: one prefix slot each, up to 16.
engine::EngineOptions engine_options(const EngineFlags& flags, size_t policies);

}  // namespace arbiter::cli
