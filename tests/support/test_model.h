#pragma once
// Generated models for tests: written once per test process into scratch_dir().

#include <filesystem>

#include "support/scratch.h"

namespace arbiter::test {

// The tiny gpt-oss model (seed 42).
const std::filesystem::path& tiny_model();

}  // namespace arbiter::test
