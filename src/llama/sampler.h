#pragma once
// The samplers the embedded engine draws tokens with: greedy or seeded, optionally with tokens
// banned and a grammar the tokens must follow.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "llama.h"

namespace arbiter::engine {

struct SamplerDeleter {
    void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerDeleter>;

// Every control, user-defined and end-of-generation token of `vocab`, as a ban for make_sampler.
std::vector<llama_logit_bias> control_token_bans(const llama_vocab* vocab);

// `banned`: tokens that may never be sampled (for the answer: every control token, since the
// grammar sampler judges tokens by their text and "<|endoftext|>" is valid text inside a string).
// Throws std::logic_error when llama.cpp rejects `grammar`.
SamplerPtr make_sampler(const llama_vocab* vocab, const std::string* grammar,
                        const std::vector<llama_logit_bias>* banned, std::optional<uint32_t> seed);

}  // namespace arbiter::engine
