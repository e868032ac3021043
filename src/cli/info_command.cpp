// arbiter info: what a user needs to know about a model file, validated before llama.cpp
// touches it.

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "llama/model_file.h"
#include "llama/placement.h"

namespace arbiter::cli {

namespace {

std::string human_bytes(uint64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.2f %s", value, units[unit]);
    return text;
}

std::string human_count(uint64_t n) {
    char text[32];
    if (n >= 1'000'000'000) {
        std::snprintf(text, sizeof text, "%.2f B (%llu)", static_cast<double>(n) / 1e9,
                      static_cast<unsigned long long>(n));
    } else if (n >= 1'000'000) {
        std::snprintf(text, sizeof text, "%.2f M (%llu)", static_cast<double>(n) / 1e6,
                      static_cast<unsigned long long>(n));
    } else {
        std::snprintf(text, sizeof text, "%llu", static_cast<unsigned long long>(n));
    }
    return text;
}

nlohmann::json to_json(const engine::ComputeDevice& d) {
    return {{"name", d.name},
            {"description", d.description},
            {"gpu", d.gpu},
            {"free_bytes", d.free_bytes},
            {"total_bytes", d.total_bytes}};
}

nlohmann::json to_json(const engine::ModelFileInfo& info) {
    nlohmann::json specials = nlohmann::json::object();
    for (const auto& s : info.special_tokens) specials[s.text] = s.id;
    nlohmann::json devices = nlohmann::json::array();
    for (const engine::ComputeDevice& d : engine::compute_devices()) devices.push_back(to_json(d));
    return {
        {"path", info.path.string()},
        {"file_size", info.file_size},
        {"architecture", info.architecture},
        {"name", info.name},
        {"parameters", info.parameter_count},
        {"layers", info.n_layer},
        {"n_embd", info.n_embd},
        {"heads", info.n_head},
        {"kv_heads", info.n_head_kv},
        {"experts", info.n_expert},
        {"experts_used", info.n_expert_used},
        {"context_length", info.context_length},
        {"sliding_window", info.sliding_window},
        {"vocabulary", info.n_vocab},
        {"tokenizer", info.tokenizer},
        {"pre_tokenizer", info.pre_tokenizer},
        {"file_type", info.file_type},
        {"bytes_by_type", info.bytes_by_type},
        {"special_tokens", specials},
        {"missing_special_tokens", info.missing_special_tokens},
        {"devices", devices},
        {"engine", engine::describe_placement({.model = info.path})},
    };
}

void print_text(const engine::ModelFileInfo& info) {
    std::printf("file            %s (%s)\n", info.path.c_str(), human_bytes(info.file_size).c_str());
    if (!info.name.empty()) std::printf("name            %s\n", info.name.c_str());
    std::printf("architecture    %s\n", info.architecture.c_str());
    std::printf("parameters      %s\n", human_count(info.parameter_count).c_str());
    std::printf("layers          %u\n", info.n_layer);
    std::printf("n_embd          %u\n", info.n_embd);
    std::printf("attention       %u heads, %u kv heads, sliding window %u\n", info.n_head, info.n_head_kv,
                info.sliding_window);
    std::printf("experts         %u (%u used per token)\n", info.n_expert, info.n_expert_used);
    std::printf("context length  %u\n", info.context_length);
    std::printf("vocabulary      %u tokens\n", info.n_vocab);
    std::printf("tokenizer       %s, pre-tokenizer %s\n",
                info.tokenizer.empty() ? "(none)" : info.tokenizer.c_str(),
                info.pre_tokenizer.empty() ? "(none)" : info.pre_tokenizer.c_str());
    std::printf("quantisation    %s;", info.file_type.c_str());
    for (const auto& [type, bytes] : info.bytes_by_type) {
        std::printf(" %s %s", type.c_str(), human_bytes(bytes).c_str());
    }
    std::printf("\nspecial tokens\n");
    for (const auto& s : info.special_tokens) std::printf("  %-16s %d\n", s.text.c_str(), s.id);
    for (const auto& missing : info.missing_special_tokens) {
        std::printf("  %-16s MISSING: this model cannot speak harmony\n", missing.c_str());
    }
    std::string devices;
    for (const engine::ComputeDevice& d : engine::compute_devices()) {
        devices += (devices.empty() ? "" : ", ") + d.name +
                   (d.description.empty() ? "" : " (" + d.description + ")");
    }
    std::printf("devices         %s\n", devices.c_str());
    // What serve and classify use with their defaults (the flags change it).
    std::printf("engine          %s\n", engine::describe_placement({.model = info.path}).c_str());
}

}  // namespace

void add_info_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand(
        "info",
        "Describe a GGUF model file (validated, nothing is loaded) and the devices that would run it");
    auto model = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--model,-m", *model, "GGUF model file")->required();
    cmd->add_flag("--json", *json, "Print one JSON object instead of text");
    cmd->callback([&action, model, json] {
        action = [model, json] {
            try {
                const engine::ModelFileInfo info = engine::inspect_model_file(*model);
                if (*json) {
                    std::printf("%s\n", to_json(info).dump(2).c_str());
                } else {
                    print_text(info);
                }
                return kExitOk;
            } catch (const engine::ModelFileError& e) {
                std::fprintf(stderr, "arbiter info: %s\n", e.what());
                return kExitBadInput;
            }
        };
    });
}

}  // namespace arbiter::cli
