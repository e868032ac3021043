#include "testmodel/model_spec.h"

#include <stdexcept>

namespace arbiter::testmodel {

namespace {

// Every test uses this one: small enough to load in milliseconds, yet every gpt-oss feature
// (experts in MXFP4, sliding window, attention sinks, YaRN) is present.
ModelSpec tiny() {
    ModelSpec s;
    s.preset = "tiny";
    s.n_layer = 2;
    s.n_embd = 64;
    s.n_head = 4;
    s.n_head_kv = 2;
    s.head_dim = 16;
    s.n_expert = 4;
    s.n_expert_used = 2;
    s.n_ff_exp = 64;
    s.sliding_window = 16;
    s.context_length = 131072;
    return s;
}

// The real gpt-oss-20b widths (OpenAI's config.json) and tokenizer, for benchmarks at true cost per
// layer and per token.
ModelSpec gpt_oss_20b() {
    ModelSpec s;
    s.preset = "gpt-oss-20b";
    s.n_layer = 24;
    s.n_embd = 2880;
    s.n_head = 64;
    s.n_head_kv = 8;
    s.head_dim = 64;
    s.n_expert = 32;
    s.n_expert_used = 4;
    s.n_ff_exp = 2880;
    s.sliding_window = 128;
    s.context_length = 131072;
    s.vocabulary = VocabularyKind::o200k;
    return s;
}

}  // namespace

std::vector<std::string> preset_names() {
    return {"tiny", "gpt-oss-20b"};
}

ModelSpec preset(std::string_view name) {
    if (name == "tiny") return tiny();
    if (name == "gpt-oss-20b") return gpt_oss_20b();
    throw std::invalid_argument("unknown preset '" + std::string(name) + "' (known: tiny, gpt-oss-20b)");
}

}  // namespace arbiter::testmodel
