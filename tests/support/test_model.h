#pragma once
// Generated models for tests: written once per test process into scratch_dir().

#include <filesystem>

#include "support/scratch.h"

namespace arbiter::test {

// The tiny gpt-oss model (seed 42), byte-level vocabulary.
const std::filesystem::path& tiny_model();

// The tiny widths with gpt-oss's real tokenizer, o200k_harmony (201,088 tokens; about 26 MB).
const std::filesystem::path& tiny_o200k_model();

}  // namespace arbiter::test
