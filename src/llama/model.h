#pragma once
// A loaded gpt-oss model. The file is validated (llama/model_file.h) before llama.cpp opens
// it, and the harmony special tokens are resolved once, so every later step can rely on them.

#include <filesystem>
#include <memory>

#include "llama/model_file.h"
#include "llama/prompt_tokens.h"

struct llama_model;
struct llama_vocab;

namespace arbiter::engine {

struct ModelOptions {
    bool vocab_only = false;  // tokenizer only: for counting and rendering tokens
    int gpu_layers = -1;      // layers on a GPU where llama.cpp has one; negative: all
};

class Model {
public:
    // Throws ModelFileError when the file is unusable or llama.cpp refuses it.
    static std::unique_ptr<Model> load(const std::filesystem::path& path, const ModelOptions& options = {});
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    llama_model* get() const { return model_; }
    const llama_vocab* vocab() const;
    const ModelFileInfo& info() const { return info_; }
    const PromptTokens& tokens() const { return *tokens_; }

private:
    Model(llama_model* model, ModelFileInfo info);

    llama_model* model_;
    ModelFileInfo info_;
    std::unique_ptr<PromptTokens> tokens_;
};

}  // namespace arbiter::engine
