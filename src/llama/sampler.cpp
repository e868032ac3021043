#include "llama/sampler.h"

#include <cmath>
#include <stdexcept>

namespace arbiter::engine {

std::vector<llama_logit_bias> control_token_bans(const llama_vocab* vocab) {
    std::vector<llama_logit_bias> bans;
    for (llama_token id = 0; id < llama_vocab_n_tokens(vocab); ++id) {
        const auto attr = llama_vocab_get_attr(vocab, id);
        if ((attr & (LLAMA_TOKEN_ATTR_CONTROL | LLAMA_TOKEN_ATTR_USER_DEFINED)) != 0 ||
            llama_vocab_is_eog(vocab, id))
            bans.push_back({id, -INFINITY});
    }
    return bans;
}

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
