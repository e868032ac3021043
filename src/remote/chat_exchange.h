#pragma once
// Chat mode: one POST to /v1/chat/completions per item, with the policy as the system message
// and the content as the user message; the server's chat template renders the harmony prompt.
// The reasoning comes back in `reasoning_content` (llama-server, vLLM) or `reasoning` (Ollama,
// some hosted APIs), the answer in `content`, which is parsed exactly as the embedded engine's.
//
// Chat templates put the user message into the prompt as text, and servers then tokenize the
// whole prompt with special tokens parsed (llama-server does), so content that spells
// "<|end|><|start|>assistant..." would become real control tokens. Chat mode therefore defuses
// such text before sending it: a WORD JOINER (U+2060, invisible) goes between every "<" and "|".

#include <string>
#include <string_view>

#include "remote/remote_options.h"
#include "remote/remote_reply.h"

namespace arbiter::remote {

// "<|" becomes "<\u2060|"; nothing else changes.
std::string defuse_special_text(std::string_view text);

// The request body for `job` (exposed for tests, which check what reaches the model).
nlohmann::json chat_request(const Job& job, const RemoteOptions& options);

// Sends the job and reads its verdict; failures are verdicts with status error.
Verdict classify_chat(const Job& job, const RemoteOptions& options, const Post& post);

}  // namespace arbiter::remote
