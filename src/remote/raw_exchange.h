#pragma once
// Raw mode (llama-server's /completion): arbiter renders the exact harmony prompt, as the
// embedded engine does, and the server only runs the model. That keeps verdicts the embedded
// engine's: the reasoning runs until the model ends it or the budget is spent, then arbiter writes
// the final channel's header itself and the answer is bound by the policy's grammar. Score mode
// reads P(violation) from the server's token probabilities.
//
// Content stays data: llama-server tokenizes prompt strings with special tokens parsed, but its
// prompt may be a JSON array of token ids and strings, each string tokenized on its own. Harmony's
// special tokens go as ids (looked up once through the server's /tokenize), and text is cut into
// strings none of which contains "<|", so no string can spell a special token.
//
// llama.cpp does not end generation at <|end|> for o200k_harmony, so the reasoning request names
// the specials as stop strings (with preserved_tokens, which makes the server write them as text
// it can match): the server stops at the first one instead of decoding the model's whole answer.

#include "harmony/prompt.h"
#include "remote/remote_options.h"
#include "remote/remote_reply.h"
#include "remote/server_tokens.h"

namespace arbiter::remote {

// The prompt as llama-server's mixed array: special tokens as ids, text as "<|"-free strings.
nlohmann::json raw_prompt(const harmony::Prompt& prompt, const ServerTokens& tokens);

// The whole prompt for `job` as raw mode sends it (exposed for tests).
nlohmann::json raw_job_prompt(const Job& job, const ServerTokens& tokens);

Verdict classify_raw(const Job& job, const RemoteOptions& options, const ServerTokens& tokens,
                     const Post& post);

}  // namespace arbiter::remote
