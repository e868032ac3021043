#pragma once
// The ids of harmony's special tokens and of the answer digits in the model the servers run: asked
// of llama-server's /tokenize (raw mode) or read from arbiter's own tokenizer (completions mode).

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "harmony/tokenizer.h"
#include "remote/remote_reply.h"

namespace arbiter::remote {

struct ServerTokens {
    std::map<std::string, int, std::less<>> specials;  // by text, e.g. "<|end|>"
    int zero = 0;
    int one = 0;
    // Throws std::invalid_argument for text that is not a harmony special.
    int special(std::string_view text) const;
    std::set<int> special_ids() const;
    // The specials that do not end generation: banned where only text may come. The
    // end-of-generation ones stay allowed, since a server stops an answer only at one of them once
    // its grammar is complete (the embedded engine stops it itself).
    std::set<int> banned_in_text() const;
};

// Asks llama-server's /tokenize; nullopt (and `error`) when the model lacks a harmony special.
std::optional<ServerTokens> discover_server_tokens(const Post& post, std::string& error);

// From arbiter's tokenizer; throws std::invalid_argument when a digit is not a single token.
ServerTokens tokenizer_tokens(const harmony::Tokenizer& tokenizer);

}  // namespace arbiter::remote
