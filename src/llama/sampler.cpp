#include "llama/sampler.h"

#include <stdexcept>

namespace arbiter::engine {

SamplerPtr make_sampler(const llama_vocab* vocab, const std::string* grammar,
                        const std::vector<llama_logit_bias>* banned, std::optional<uint32_t> seed) {
    SamplerPtr chain(llama_sampler_chain_init(llama_sampler_chain_default_params()));
    if (banned != nullptr) {
        llama_sampler_chain_add(
            chain.get(), llama_sampler_init_logit_bias(llama_vocab_n_tokens(vocab),
                                                       static_cast<int32_t>(banned->size()), banned->data()));
    }
    if (grammar != nullptr) {
        llama_sampler* g = llama_sampler_init_grammar(vocab, grammar->c_str(), "root");
        if (g == nullptr) throw std::logic_error("answer grammar rejected by llama.cpp");
        llama_sampler_chain_add(chain.get(), g);
    }
    llama_sampler_chain_add(chain.get(), seed ? llama_sampler_init_dist(*seed) : llama_sampler_init_greedy());
    return chain;
}

}  // namespace arbiter::engine
