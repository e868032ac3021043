#include "support/test_model.h"

#include "testmodel/gguf_model_writer.h"

namespace arbiter::test {

const std::filesystem::path& tiny_model() {
    static const std::filesystem::path path = [] {
        std::filesystem::path p = scratch_dir() / "tiny.gguf";
        testmodel::write_model(testmodel::preset("tiny"), 42, p);
        return p;
    }();
    return path;
}

}  // namespace arbiter::test
