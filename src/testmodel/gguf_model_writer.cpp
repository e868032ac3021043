#include "testmodel/gguf_model_writer.h"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ggml.h"
#include "gguf.h"
#include "harmony/special_tokens.h"
#include "testmodel/random_tensor.h"

namespace arbiter::testmodel {

namespace {

constexpr uint32_t kFileTypeMostlyMxfp4Moe = 38;  // LLAMA_FTYPE_MOSTLY_MXFP4_MOE
constexpr size_t kChunkRows = 256;

struct TensorPlan {
    std::string name;
    ggml_type type;
    std::vector<int64_t> ne;
    Init init;
};

std::vector<TensorPlan> plan_tensors(const ModelSpec& s, int64_t n_vocab) {
    const int64_t embd = s.n_embd;
    const int64_t q = int64_t{s.n_head} * s.head_dim;
    const int64_t kv = int64_t{s.n_head_kv} * s.head_dim;
    const int64_t ff = s.n_ff_exp;
    const int64_t ex = s.n_expert;

    // Types as in the published gpt-oss conversions.
    std::vector<TensorPlan> plan = {
        {"token_embd.weight", GGML_TYPE_Q8_0, {embd, n_vocab}, Init::matrix},
        {"output_norm.weight", GGML_TYPE_F32, {embd}, Init::norm},
        {"output.weight", GGML_TYPE_Q8_0, {embd, n_vocab}, Init::matrix},
    };
    for (uint32_t i = 0; i < s.n_layer; ++i) {
        const std::string b = "blk." + std::to_string(i) + ".";
        const std::vector<TensorPlan> layer = {
            {b + "attn_norm.weight", GGML_TYPE_F32, {embd}, Init::norm},
            {b + "post_attention_norm.weight", GGML_TYPE_F32, {embd}, Init::norm},
            {b + "attn_q.weight", GGML_TYPE_Q8_0, {embd, q}, Init::matrix},
            {b + "attn_q.bias", GGML_TYPE_F32, {q}, Init::bias},
            {b + "attn_k.weight", GGML_TYPE_Q8_0, {embd, kv}, Init::matrix},
            {b + "attn_k.bias", GGML_TYPE_F32, {kv}, Init::bias},
            {b + "attn_v.weight", GGML_TYPE_Q8_0, {embd, kv}, Init::matrix},
            {b + "attn_v.bias", GGML_TYPE_F32, {kv}, Init::bias},
            {b + "attn_output.weight", GGML_TYPE_Q8_0, {q, embd}, Init::matrix},
            {b + "attn_output.bias", GGML_TYPE_F32, {embd}, Init::bias},
            {b + "attn_sinks.weight", GGML_TYPE_F32, {s.n_head}, Init::bias},
            {b + "ffn_gate_inp.weight", GGML_TYPE_F32, {embd, ex}, Init::matrix},
            {b + "ffn_gate_inp.bias", GGML_TYPE_F32, {ex}, Init::bias},
            {b + "ffn_gate_exps.weight", GGML_TYPE_MXFP4, {embd, ff, ex}, Init::matrix},
            {b + "ffn_gate_exps.bias", GGML_TYPE_F32, {ff, ex}, Init::bias},
            {b + "ffn_up_exps.weight", GGML_TYPE_MXFP4, {embd, ff, ex}, Init::matrix},
            {b + "ffn_up_exps.bias", GGML_TYPE_F32, {ff, ex}, Init::bias},
            {b + "ffn_down_exps.weight", GGML_TYPE_MXFP4, {ff, embd, ex}, Init::matrix},
            {b + "ffn_down_exps.bias", GGML_TYPE_F32, {embd, ex}, Init::bias},
        };
        plan.insert(plan.end(), layer.begin(), layer.end());
    }
    return plan;
}

void set_metadata(gguf_context* ctx, const ModelSpec& s, const Vocabulary& vocab, uint64_t seed) {
    const std::string name = "arbiter test model (" + s.preset + ", random weights)";
    gguf_set_val_str(ctx, "general.architecture", "gpt-oss");
    gguf_set_val_str(ctx, "general.name", name.c_str());
    gguf_set_val_u32(ctx, "general.file_type", kFileTypeMostlyMxfp4Moe);
    gguf_set_val_u32(ctx, "general.quantization_version", 2);
    gguf_set_val_str(ctx, "arbiter.testmodel.preset", s.preset.c_str());
    gguf_set_val_u64(ctx, "arbiter.testmodel.seed", seed);

    gguf_set_val_u32(ctx, "gpt-oss.block_count", s.n_layer);
    gguf_set_val_u32(ctx, "gpt-oss.context_length", s.context_length);
    gguf_set_val_u32(ctx, "gpt-oss.embedding_length", s.n_embd);
    gguf_set_val_u32(ctx, "gpt-oss.feed_forward_length", s.n_ff_exp);
    gguf_set_val_u32(ctx, "gpt-oss.attention.head_count", s.n_head);
    gguf_set_val_u32(ctx, "gpt-oss.attention.head_count_kv", s.n_head_kv);
    gguf_set_val_u32(ctx, "gpt-oss.attention.key_length", s.head_dim);
    gguf_set_val_u32(ctx, "gpt-oss.attention.value_length", s.head_dim);
    gguf_set_val_f32(ctx, "gpt-oss.attention.layer_norm_rms_epsilon", 1e-5f);
    gguf_set_val_u32(ctx, "gpt-oss.attention.sliding_window", s.sliding_window);
    gguf_set_val_u32(ctx, "gpt-oss.expert_count", s.n_expert);
    gguf_set_val_u32(ctx, "gpt-oss.expert_used_count", s.n_expert_used);
    gguf_set_val_u32(ctx, "gpt-oss.expert_feed_forward_length", s.n_ff_exp);
    gguf_set_val_f32(ctx, "gpt-oss.rope.freq_base", s.rope_freq_base);
    gguf_set_val_str(ctx, "gpt-oss.rope.scaling.type", "yarn");
    gguf_set_val_f32(ctx, "gpt-oss.rope.scaling.factor", s.yarn_factor);
    gguf_set_val_u32(ctx, "gpt-oss.rope.scaling.original_context_length", s.yarn_original_context);

    std::vector<const char*> tokens;
    tokens.reserve(vocab.tokens.size());
    for (const std::string& t : vocab.tokens) tokens.push_back(t.c_str());
    std::vector<const char*> merges;
    merges.reserve(vocab.merges.size());
    for (const std::string& m : vocab.merges) merges.push_back(m.c_str());

    gguf_set_val_str(ctx, "tokenizer.ggml.model", "gpt2");
    gguf_set_val_str(ctx, "tokenizer.ggml.pre", "gpt-4o");
    gguf_set_arr_str(ctx, "tokenizer.ggml.tokens", tokens.data(), tokens.size());
    gguf_set_arr_data(ctx, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, vocab.types.data(),
                      vocab.types.size());
    gguf_set_arr_str(ctx, "tokenizer.ggml.merges", merges.data(), merges.size());

    auto id_of = [&](std::string_view text) {
        for (size_t i = vocab.tokens.size(); i-- > 0;) {
            if (vocab.tokens[i] == text) return static_cast<uint32_t>(i);
        }
        throw std::logic_error("vocabulary lacks " + std::string(text));
    };
    gguf_set_val_u32(ctx, "tokenizer.ggml.bos_token_id", id_of(harmony::kStartOfText));
    gguf_set_val_u32(ctx, "tokenizer.ggml.eos_token_id", id_of(harmony::kReturn));
    gguf_set_val_u32(ctx, "tokenizer.ggml.padding_token_id", id_of(harmony::kEndOfText));
    gguf_set_val_bool(ctx, "tokenizer.ggml.add_bos_token", false);
}

struct GgufDeleter {
    void operator()(gguf_context* c) const { gguf_free(c); }
};
struct GgmlDeleter {
    void operator()(ggml_context* c) const { ggml_free(c); }
};
struct FileCloser {
    void operator()(FILE* f) const { std::fclose(f); }
};

void write_all(FILE* f, const void* data, size_t n, const std::filesystem::path& path) {
    if (n != 0 && std::fwrite(data, 1, n, f) != n) {
        throw std::runtime_error("cannot write " + path.string() + " (disk full?)");
    }
}

}  // namespace

void write_model(const ModelSpec& spec, const Vocabulary& vocab, uint64_t seed,
                 const std::filesystem::path& path, const Progress& progress) {
    const std::vector<TensorPlan> plan = plan_tensors(spec, static_cast<int64_t>(vocab.tokens.size()));

    std::unique_ptr<gguf_context, GgufDeleter> gguf(gguf_init_empty());
    set_metadata(gguf.get(), spec, vocab, seed);

    // Tensor descriptions only (no_alloc): the data is generated while writing.
    const ggml_init_params params = {ggml_tensor_overhead() * (plan.size() + 1), nullptr, true};
    std::unique_ptr<ggml_context, GgmlDeleter> meta(ggml_init(params));
    std::vector<ggml_tensor*> tensors;
    uint64_t total = 0;
    for (const TensorPlan& t : plan) {
        ggml_tensor* tensor = ggml_new_tensor(meta.get(), t.type, static_cast<int>(t.ne.size()), t.ne.data());
        ggml_set_name(tensor, t.name.c_str());
        gguf_add_tensor(gguf.get(), tensor);
        tensors.push_back(tensor);
        total += ggml_nbytes(tensor);
    }

    const std::filesystem::path partial = path.string() + ".part";
    std::unique_ptr<FILE, FileCloser> file(std::fopen(partial.c_str(), "wb"));
    if (!file) throw std::runtime_error("cannot create " + partial.string());
    if (!gguf_write_to_file_ptr(gguf.get(), file.get(), /*only_meta=*/true)) {
        throw std::runtime_error("cannot write " + partial.string());
    }

    const size_t alignment = gguf_get_alignment(gguf.get());
    std::vector<uint8_t> chunk;
    uint64_t done = 0;
    for (size_t i = 0; i < plan.size(); ++i) {
        const ggml_tensor* tensor = tensors[i];
        RandomTensor random(tensor->type, plan[i].init, tensor->ne[0], seed, plan[i].name);
        const size_t row_bytes = ggml_row_size(tensor->type, tensor->ne[0]);
        const size_t rows = ggml_nbytes(tensor) / row_bytes;
        for (size_t row = 0; row < rows; row += kChunkRows) {
            chunk.resize(row_bytes * std::min(kChunkRows, rows - row));
            random.fill(chunk);
            write_all(file.get(), chunk.data(), chunk.size(), partial);
        }
        const size_t padding = GGML_PAD(ggml_nbytes(tensor), alignment) - ggml_nbytes(tensor);
        const std::vector<uint8_t> zeros(padding, 0);
        write_all(file.get(), zeros.data(), zeros.size(), partial);
        done += ggml_nbytes(tensor);
        if (progress) progress(done, total);
    }
    if (std::fclose(file.release()) != 0) {
        throw std::runtime_error("cannot finish writing " + partial.string());
    }
    std::filesystem::rename(partial, path);
}

}  // namespace arbiter::testmodel
