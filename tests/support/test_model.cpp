#include "support/test_model.h"

#include "testmodel/gguf_model_writer.h"
#include "testmodel/o200k_ranks.h"

namespace arbiter::test {

namespace {

std::filesystem::path write(const char* name, testmodel::VocabularyKind vocabulary) {
    const std::filesystem::path p = scratch_dir() / name;
    testmodel::ModelSpec spec = testmodel::preset("tiny");
    spec.vocabulary = vocabulary;
    testmodel::write_model(
        spec, testmodel::build_vocabulary(vocabulary, testmodel::default_o200k_ranks_path()), 42, p);
    return p;
}

}  // namespace

const std::filesystem::path& tiny_model() {
    static const std::filesystem::path path = write("tiny.gguf", testmodel::VocabularyKind::bytes);
    return path;
}

const std::filesystem::path& tiny_o200k_model() {
    static const std::filesystem::path path = write("tiny-o200k.gguf", testmodel::VocabularyKind::o200k);
    return path;
}

}  // namespace arbiter::test
