#pragma once
// The shape of a generated gpt-oss test model: one preset per use (tests, benchmarks).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "testmodel/vocabulary.h"

namespace arbiter::testmodel {

struct ModelSpec {
    std::string preset;
    uint32_t n_layer = 0;
    uint32_t n_embd = 0;
    uint32_t n_head = 0;
    uint32_t n_head_kv = 0;
    uint32_t head_dim = 0;
    uint32_t n_expert = 0;
    uint32_t n_expert_used = 0;
    uint32_t n_ff_exp = 0;
    uint32_t sliding_window = 0;
    uint32_t context_length = 0;
    float rope_freq_base = 150000.0f;
    float yarn_factor = 32.0f;
    uint32_t yarn_original_context = 4096;
    VocabularyKind vocabulary = VocabularyKind::bytes;
};

// Names of the presets, for --help and error messages.
std::vector<std::string> preset_names();

// The preset called `name`; throws std::invalid_argument for an unknown name.
ModelSpec preset(std::string_view name);

}  // namespace arbiter::testmodel
