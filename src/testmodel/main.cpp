// arbiter-testmodel: writes gpt-oss GGUF models with seeded random weights for tests and
// benchmarks. Random weights produce nonsense text; the files exist to exercise the real code
// paths (tokenizer, harmony tokens, MXFP4 experts, sliding-window attention) at known sizes.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <string>

#include "testmodel/gguf_model_writer.h"
#include "testmodel/model_spec.h"
#include "testmodel/o200k_ranks.h"
#include "testmodel/vocabulary.h"

int main(int argc, char** argv) {
    using arbiter::testmodel::VocabularyKind;
    CLI::App app{
        "Write a gpt-oss-architecture GGUF model with seeded random weights.\n"
        "Presets: tiny (under 2 MB, byte-level vocabulary, for tests) and gpt-oss-20b (the real\n"
        "widths and the real tokenizer, o200k_harmony; about 450 MB per layer)."};
    std::string preset_name;
    std::string out;
    int layers = 0;
    uint64_t seed = 42;
    std::optional<VocabularyKind> vocabulary;
    std::string ranks = arbiter::testmodel::default_o200k_ranks_path().string();
    app.add_option("--preset", preset_name, "Model shape: tiny or gpt-oss-20b")
        ->required()
        ->check(CLI::IsMember(arbiter::testmodel::preset_names()));
    app.add_option("--out", out, "Output GGUF file")->required();
    app.add_option("--layers", layers, "Number of layers (default: the preset's)")->check(CLI::Range(1, 128));
    app.add_option("--seed", seed, "Seed of the random weights (same seed, same file)");
    app.add_option("--vocabulary", vocabulary,
                   "o200k (gpt-oss's own tokenizer, 201,088 tokens) or bytes (byte-level, a few hundred "
                   "tokens); default: the preset's")
        ->transform(CLI::CheckedTransformer(std::map<std::string, VocabularyKind>{
            {"o200k", VocabularyKind::o200k}, {"bytes", VocabularyKind::bytes}}));
    app.add_option("--ranks", ranks,
                   "o200k_base's ranks (js-tiktoken's o200k_base.js; scripts/fetch-tiktoken)")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        arbiter::testmodel::ModelSpec spec = arbiter::testmodel::preset(preset_name);
        if (layers > 0) spec.n_layer = static_cast<uint32_t>(layers);
        if (vocabulary) spec.vocabulary = *vocabulary;
        const arbiter::testmodel::Vocabulary vocab =
            arbiter::testmodel::build_vocabulary(spec.vocabulary, ranks);
        const bool show_progress = isatty(STDERR_FILENO) != 0;
        arbiter::testmodel::write_model(spec, vocab, seed, out, [&](uint64_t done, uint64_t total) {
            if (show_progress) {
                std::fprintf(stderr, "\rwriting %s: %3d%%", out.c_str(),
                             static_cast<int>(100 * done / (total ? total : 1)));
            }
        });
        if (show_progress) std::fprintf(stderr, "\n");
        std::printf("wrote %s (%s, %u layers, %zu tokens, seed %llu)\n", out.c_str(), spec.preset.c_str(),
                    spec.n_layer, vocab.tokens.size(), static_cast<unsigned long long>(seed));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "arbiter-testmodel: %s\n", e.what());
        return 1;
    }
    return 0;
}
