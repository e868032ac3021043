#pragma once
// Reads and validates a GGUF model file's header before llama.cpp ever sees it: llama.cpp
// aborts the process on some malformed files, and a user deserves a one-line reason instead.

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace arbiter::engine {

// A model file that cannot be used; what() is one line naming the file and the reason.
class ModelFileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SpecialTokenId {
    std::string text;
    int32_t id;
};

struct ModelFileInfo {
    std::filesystem::path path;
    uint64_t file_size = 0;
    std::string architecture;
    std::string name;
    uint64_t parameter_count = 0;
    uint32_t n_layer = 0;
    uint32_t n_embd = 0;
    uint32_t n_head = 0;
    uint32_t n_head_kv = 0;
    uint32_t n_expert = 0;
    uint32_t n_expert_used = 0;
    uint32_t context_length = 0;
    uint32_t sliding_window = 0;
    uint32_t n_vocab = 0;
    std::string tokenizer;      // tokenizer.ggml.model, "gpt2" (byte-level BPE) for gpt-oss
    std::string pre_tokenizer;  // tokenizer.ggml.pre, "gpt-4o" for gpt-oss: how llama.cpp splits text
    std::string file_type;      // e.g. "MXFP4 MoE" from general.file_type
    std::map<std::string, uint64_t> bytes_by_type;    // ggml type name -> tensor bytes
    std::vector<SpecialTokenId> special_tokens;       // the harmony specials found, with ids
    std::vector<std::string> missing_special_tokens;  // harmony specials the vocabulary lacks
};

// Parses the header, checks that every tensor lies inside the file, and reads the facts above.
// Throws ModelFileError for a missing, unreadable, truncated or non-GGUF file, or one whose
// architecture is not gpt-oss.
ModelFileInfo inspect_model_file(const std::filesystem::path& path);

}  // namespace arbiter::engine
