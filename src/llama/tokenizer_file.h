#pragma once
// A gpt-oss tokenizer read from a GGUF file: a whole model, or a vocabulary-only file (the weights
// are not loaded either way). Remote backends that send token ids tokenize with it (--tokenizer).

#include <filesystem>
#include <memory>

#include "harmony/tokenizer.h"

namespace arbiter::engine {

// Throws ModelFileError when the file is unusable or its vocabulary lacks a harmony special.
std::shared_ptr<const harmony::Tokenizer> load_tokenizer(const std::filesystem::path& path);

}  // namespace arbiter::engine
