#pragma once
// Engine presets: what each server software needs from arbiter. A preset picks the protocol
// arbiter speaks by default, the health path it probes and the requests in flight per server; the
// completions protocol's per-engine fields live in completions_dialect.h. Written against
// llama.cpp's llama-server as vendored here, vLLM 0.11 and SGLang 0.5 (their OpenAI-compatible
// servers), and Ollama 0.12.

#include <optional>
#include <string>
#include <string_view>

#include "remote/remote_options.h"

namespace arbiter::remote {

struct EnginePreset {
    RemoteMode mode;
    std::string health_path;  // empty: no probe (live traffic decides)
    int max_concurrency_per_endpoint;
};

EnginePreset engine_preset(RemoteEngine engine);

// "llama-server", "vllm", "sglang", "ollama", "openai"; nullopt for any other name.
std::optional<RemoteEngine> parse_remote_engine(std::string_view name);
std::string_view engine_name(RemoteEngine engine);
std::string_view mode_name(RemoteMode mode);

// Why `engine` cannot serve `mode`, or empty when it can.
std::string unsupported_mode(RemoteEngine engine, RemoteMode mode);

}  // namespace arbiter::remote
