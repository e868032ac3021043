#pragma once
// Completions mode: OpenAI's /v1/completions with the prompt as token ids, which vLLM, SGLang and
// llama-server all serve. arbiter tokenizes the harmony prompt itself (RemoteOptions::tokenizer),
// so content is data whatever it spells, and runs the classification protocol as raw mode does:
// reasoning that stops at the first harmony special, then the final channel's header written by
// arbiter and an answer bound by the server's grammar; in score mode one token whose logprobs give
// P(violation). The fields that differ per engine are in completions_dialect.h.

#include <nlohmann/json.hpp>

#include "core/backend.h"
#include "remote/remote_options.h"
#include "remote/remote_reply.h"
#include "remote/server_tokens.h"

namespace arbiter::remote {

// The job's whole prompt as token ids (exposed for tests).
std::vector<int32_t> completions_prompt(const Job& job, const harmony::Tokenizer& tokenizer);

// With `streamed`, a job with on_reasoning gets its reasoning as the server writes it (llama-server
// and vLLM, whose streamed chunks carry token ids; SGLang's carry text, which is read whole).
Verdict classify_completions(const Job& job, const RemoteOptions& options, const ServerTokens& tokens,
                             const Post& post, const StreamedPost& streamed = {});

}  // namespace arbiter::remote
