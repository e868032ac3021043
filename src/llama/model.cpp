#include "llama/model.h"

#include <mutex>

#include "llama.h"
#include "llama/llama_log.h"

namespace arbiter::engine {

std::unique_ptr<Model> Model::load(const std::filesystem::path& path, const ModelOptions& options) {
    ModelFileInfo info = inspect_model_file(path);
    if (!info.missing_special_tokens.empty()) {
        throw ModelFileError(path.string() + ": the vocabulary lacks the harmony token " +
                             info.missing_special_tokens.front() + "; is this a gpt-oss model?");
    }
    static std::once_flag backend;
    std::call_once(backend, [] { llama_backend_init(); });
    install_llama_log();
    clear_last_llama_error();

    llama_model_params params = llama_model_default_params();
    params.vocab_only = options.vocab_only;
    params.n_gpu_layers = options.gpu_layers;
    llama_model* model = llama_model_load_from_file(path.c_str(), params);
    if (model == nullptr) {
        const std::string reason = last_llama_error();
        throw ModelFileError(path.string() + ": llama.cpp could not load it" +
                             (reason.empty() ? "" : " (" + reason + ")"));
    }
    return std::unique_ptr<Model>(new Model(model, std::move(info)));
}

Model::Model(llama_model* model, ModelFileInfo info) : model_(model), info_(std::move(info)) {
    try {
        tokens_ = std::make_unique<PromptTokens>(llama_model_get_vocab(model_));
    } catch (...) {
        llama_model_free(model_);
        throw;
    }
}

Model::~Model() {
    llama_model_free(model_);
}

const llama_vocab* Model::vocab() const {
    return llama_model_get_vocab(model_);
}

}  // namespace arbiter::engine
