#include "cli/engine_flags.h"

#include <algorithm>

namespace arbiter::cli {

CLI::Option* add_engine_flags(CLI::App& cmd, EngineFlags& flags) {
    CLI::Option* model =
        cmd.add_option("--model,-m", flags.model, "GGUF model (gpt-oss-safeguard or another gpt-oss model)");
    cmd.add_option("--parallel", flags.parallel, "Items decoded together")
        ->check(CLI::Range(1, 128))
        ->capture_default_str();
    cmd.add_option("--threads", flags.threads, "CPU threads (default: all)")->check(CLI::Range(0, 1024));
    cmd.add_option("--ctx", flags.ctx, "Context per item, in tokens: prompt, reasoning and answer")
        ->check(CLI::Range(256, 1 << 20))
        ->capture_default_str();
    cmd.add_option(
           "--max-reasoning-tokens", flags.max_reasoning_tokens,
           "Reasoning budget; the engine then closes the analysis and asks for the answer (default 1024)")
        ->check(CLI::Range(1, 1 << 20));
    cmd.add_option("--seed", flags.seed, "Sample with this seed (default: greedy)");
    return model;
}

engine::EngineOptions engine_options(const EngineFlags& flags, size_t policies) {
    engine::EngineOptions options;
    options.model = flags.model;
    options.threads = flags.threads;
    options.parallel = flags.parallel;
    options.context = flags.ctx;
    options.prefix_slots = static_cast<int>(std::clamp<size_t>(policies, 1, 16));
    if (flags.max_reasoning_tokens > 0) options.max_reasoning_tokens = flags.max_reasoning_tokens;
    return options;
}

}  // namespace arbiter::cli
