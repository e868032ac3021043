#pragma once
// Writes a gpt-oss GGUF with seeded random weights, streaming tensor data to disk so that
// models of the real widths (gigabytes) never have to fit in memory.

#include <cstdint>
#include <filesystem>
#include <functional>

#include "testmodel/model_spec.h"
#include "testmodel/vocabulary.h"

namespace arbiter::testmodel {

// Called after each tensor with the bytes written so far and the total.
using Progress = std::function<void(uint64_t done, uint64_t total)>;

// Writes the model to `path` (through a temporary file renamed at the end, so a reader never
// sees half a model). The same spec, vocabulary and seed give the same bytes. Throws
// std::runtime_error.
void write_model(const ModelSpec& spec, const Vocabulary& vocab, uint64_t seed,
                 const std::filesystem::path& path, const Progress& progress = {});

}  // namespace arbiter::testmodel
