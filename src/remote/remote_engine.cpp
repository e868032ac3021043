#include "remote/remote_engine.h"

#include <array>
#include <utility>

namespace arbiter::remote {

namespace {

constexpr std::array<std::pair<std::string_view, RemoteEngine>, 5> kNames = {{
    {"llama-server", RemoteEngine::llama_server},
    {"vllm", RemoteEngine::vllm},
    {"sglang", RemoteEngine::sglang},
    {"ollama", RemoteEngine::ollama},
    {"openai", RemoteEngine::openai},
}};

}  // namespace

EnginePreset engine_preset(RemoteEngine engine) {
    switch (engine) {
    case RemoteEngine::llama_server:
        // llama-server runs as many requests at once as it has slots (-np, 4 by default).
        return {RemoteMode::completions, "/health", 4};
    case RemoteEngine::vllm:
    case RemoteEngine::sglang:
        // Continuous batching on a GPU: throughput grows with the batch up to dozens of
        // sequences; the server queues what it cannot run.
        return {RemoteMode::completions, "/health", 64};
    case RemoteEngine::ollama:
        // Ollama has no /health; /api/version answers 200 while it runs.
        return {RemoteMode::chat, "/api/version", 4};
    case RemoteEngine::openai:
        return {RemoteMode::chat, "", 16};
    case RemoteEngine::generic:
        break;
    }
    return {RemoteMode::chat, "/health", 4};
}

std::optional<RemoteEngine> parse_remote_engine(std::string_view name) {
    for (const auto& [text, engine] : kNames) {
        if (text == name) return engine;
    }
    return std::nullopt;
}

std::string_view engine_name(RemoteEngine engine) {
    for (const auto& [text, e] : kNames) {
        if (e == engine) return text;
    }
    return "an unnamed server";
}

std::string_view mode_name(RemoteMode mode) {
    switch (mode) {
    case RemoteMode::chat:
        return "chat";
    case RemoteMode::raw:
        return "raw";
    case RemoteMode::completions:
        return "completions";
    }
    return "chat";
}

std::string unsupported_mode(RemoteEngine engine, RemoteMode mode) {
    const std::string name(engine_name(engine));
    if (mode == RemoteMode::raw && engine != RemoteEngine::llama_server && engine != RemoteEngine::generic)
        return "raw mode speaks llama-server's /completion, which " + name +
               " does not serve: use --remote-mode completions";
    if (mode != RemoteMode::completions) return {};
    switch (engine) {
    case RemoteEngine::llama_server:
    case RemoteEngine::vllm:
    case RemoteEngine::sglang:
        return {};
    case RemoteEngine::generic:
        return "completions mode sends each engine its own fields: name it with --remote-engine "
               "(vllm, sglang or llama-server)";
    case RemoteEngine::ollama:
    case RemoteEngine::openai:
        break;
    }
    return name + " takes no token-id prompts on /v1/completions: use --remote-mode chat";
}

}  // namespace arbiter::remote
