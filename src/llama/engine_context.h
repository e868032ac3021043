#pragma once
// The embedded engine's llama.cpp context: its options checked and turned into context
// parameters, in one place.

#include <memory>

#include "llama.h"
#include "llama/embedded_engine.h"
#include "llama/model.h"

namespace arbiter::engine {

struct ContextDeleter {
    void operator()(llama_context* c) const { llama_free(c); }
};
using ContextPtr = std::unique_ptr<llama_context, ContextDeleter>;

// The one token `text` takes (the score answers "0" and "1"); throws ModelFileError otherwise.
llama_token single_token(const PromptTokens& tokens, const char* text);

// Throws std::invalid_argument for options out of range.
void check_options(const EngineOptions& options);

// The KV sequences the engine uses: items, then prefixes, then streams.
int sequence_count(const EngineOptions& options);

// A context for `options` with `threads` threads. Throws std::runtime_error when llama.cpp
// cannot create it.
ContextPtr make_context(const Model& model, const EngineOptions& options, int threads);

}  // namespace arbiter::engine
