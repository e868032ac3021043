#include "llama/model_file.h"

#include <memory>
#include <system_error>

#include "ggml.h"
#include "gguf.h"
#include "harmony/special_tokens.h"
#include "llama/llama_log.h"

namespace arbiter::engine {

namespace {

struct GgufDeleter {
    void operator()(gguf_context* c) const { gguf_free(c); }
};
using GgufPtr = std::unique_ptr<gguf_context, GgufDeleter>;

std::string file_type_name(uint32_t ftype) {
    switch (ftype) {
    case 0:
        return "F32";
    case 1:
        return "F16";
    case 7:
        return "Q8_0";
    case 15:
        return "Q4_K_M";
    case 32:
        return "BF16";
    case 38:
        return "MXFP4 MoE";
    default:
        return "type " + std::to_string(ftype);
    }
}

uint32_t get_u32(const gguf_context* ctx, const std::string& key) {
    const int64_t id = gguf_find_key(ctx, key.c_str());
    if (id < 0) return 0;
    switch (gguf_get_kv_type(ctx, id)) {
    case GGUF_TYPE_UINT32:
        return gguf_get_val_u32(ctx, id);
    case GGUF_TYPE_INT32:
        return static_cast<uint32_t>(gguf_get_val_i32(ctx, id));
    case GGUF_TYPE_UINT64:
        return static_cast<uint32_t>(gguf_get_val_u64(ctx, id));
    default:
        return 0;
    }
}

std::string get_str(const gguf_context* ctx, const char* key) {
    const int64_t id = gguf_find_key(ctx, key);
    if (id < 0 || gguf_get_kv_type(ctx, id) != GGUF_TYPE_STRING) return "";
    return gguf_get_val_str(ctx, id);
}

GgufPtr open_gguf(const std::filesystem::path& path) {
    install_llama_log();
    clear_last_llama_error();
    GgufPtr ctx(gguf_init_from_file(path.c_str(), {/*no_alloc=*/true, /*ctx=*/nullptr}));
    if (!ctx) {
        std::string reason = last_llama_error();
        if (reason.empty()) reason = "not a valid GGUF file";
        throw ModelFileError(path.string() + ": not a usable GGUF model (" + reason + ")");
    }
    return ctx;
}

}  // namespace

ModelFileInfo inspect_model_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw ModelFileError(path.string() + ": no such file");
    if (!std::filesystem::is_regular_file(path, ec))
        throw ModelFileError(path.string() + ": not a regular file");
    ModelFileInfo info;
    info.path = path;
    info.file_size = std::filesystem::file_size(path, ec);
    if (ec) throw ModelFileError(path.string() + ": cannot read (" + ec.message() + ")");

    const GgufPtr ctx = open_gguf(path);
    const gguf_context* g = ctx.get();

    // The header can be intact while the data is cut off (an interrupted download or copy).
    const uint64_t data_offset = gguf_get_data_offset(g);
    for (int64_t i = 0; i < gguf_get_n_tensors(g); ++i) {
        const uint64_t end = data_offset + gguf_get_tensor_offset(g, i) + gguf_get_tensor_size(g, i);
        if (end > info.file_size) {
            throw ModelFileError(path.string() + ": truncated (tensor '" + gguf_get_tensor_name(g, i) +
                                 "' ends at byte " + std::to_string(end) + ", file has " +
                                 std::to_string(info.file_size) + ")");
        }
        const int64_t* ne = gguf_get_tensor_ne(g, i);
        uint64_t elements = 1;
        for (int d = 0; d < GGML_MAX_DIMS; ++d) elements *= static_cast<uint64_t>(ne[d]);
        info.parameter_count += elements;
        info.bytes_by_type[ggml_type_name(gguf_get_tensor_type(g, i))] += gguf_get_tensor_size(g, i);
    }

    info.architecture = get_str(g, "general.architecture");
    if (info.architecture.empty())
        throw ModelFileError(path.string() + ": no general.architecture in the GGUF header");
    if (info.architecture != "gpt-oss") {
        throw ModelFileError(path.string() + ": architecture '" + info.architecture +
                             "' is not gpt-oss (arbiter runs gpt-oss-safeguard and other gpt-oss models)");
    }
    info.name = get_str(g, "general.name");
    const std::string a = info.architecture + ".";
    info.n_layer = get_u32(g, a + "block_count");
    info.n_embd = get_u32(g, a + "embedding_length");
    info.n_head = get_u32(g, a + "attention.head_count");
    info.n_head_kv = get_u32(g, a + "attention.head_count_kv");
    info.n_expert = get_u32(g, a + "expert_count");
    info.n_expert_used = get_u32(g, a + "expert_used_count");
    info.context_length = get_u32(g, a + "context_length");
    info.sliding_window = get_u32(g, a + "attention.sliding_window");
    info.file_type = file_type_name(get_u32(g, "general.file_type"));

    const int64_t tokens = gguf_find_key(g, "tokenizer.ggml.tokens");
    if (tokens < 0 || gguf_get_kv_type(g, tokens) != GGUF_TYPE_ARRAY ||
        gguf_get_arr_type(g, tokens) != GGUF_TYPE_STRING) {
        throw ModelFileError(path.string() + ": no tokenizer vocabulary (tokenizer.ggml.tokens)");
    }
    info.n_vocab = static_cast<uint32_t>(gguf_get_arr_n(g, tokens));
    info.tokenizer = get_str(g, "tokenizer.ggml.model");
    info.pre_tokenizer = get_str(g, "tokenizer.ggml.pre");
    for (const harmony::SpecialToken& special : harmony::kSpecialTokens) {
        int32_t found = -1;
        for (uint32_t id = info.n_vocab; id-- > 0;) {
            if (gguf_get_arr_str(g, tokens, id) == special.text) {
                found = static_cast<int32_t>(id);
                break;
            }
        }
        if (found >= 0) {
            info.special_tokens.push_back({std::string(special.text), found});
        } else {
            info.missing_special_tokens.emplace_back(special.text);
        }
    }
    return info;
}

}  // namespace arbiter::engine
