#include "llama/tokenizer_file.h"

#include "llama/model.h"

namespace arbiter::engine {

std::shared_ptr<const harmony::Tokenizer> load_tokenizer(const std::filesystem::path& path) {
    ModelOptions options;
    options.vocab_only = true;
    std::shared_ptr<const Model> model = Model::load(path, options);
    // The tokenizer lives in the model: the pointer shares the model's ownership.
    return {model, &model->tokens()};
}

}  // namespace arbiter::engine
