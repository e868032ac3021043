#pragma once
// The fields of OpenAI's /v1/completions that differ between the engines serving token-id prompts,
// and the reading of their replies, whose logprobs come in two shapes:
//   - OpenAI's legacy shape (vLLM, SGLang): logprobs.tokens and logprobs.top_logprobs, a map per
//     position from token to log-probability; vLLM writes tokens as "token_id:N" when asked
//     (return_tokens_as_token_ids), SGLang as their text;
//   - llama-server's: logprobs.content, an entry per position with the token's id and its
//     top_logprobs (or top_probs, after sampling) as a list of {id, token, logprob|prob}.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "remote/remote_options.h"
#include "remote/server_tokens.h"

namespace arbiter::remote {

// vLLM refuses more top logprobs than its --max-logprobs, 20 by default.
inline constexpr int kTopLogprobs = 20;

// The reasoning request: generation ends at the first harmony special the model writes.
void request_stop_at_specials(nlohmann::json& body, RemoteEngine engine, const ServerTokens& tokens);
// Asks for the generated tokens' ids in the reply, where the engine can give them.
void request_generated_ids(nlohmann::json& body, RemoteEngine engine);
// Binds the generated text to a GBNF grammar.
void request_grammar(nlohmann::json& body, RemoteEngine engine, const std::string& gbnf);
// One token, sampled among the answers "0" and "1", with the top logprobs of its position.
void request_answer_logprobs(nlohmann::json& body, RemoteEngine engine, const ServerTokens& tokens);
// A logit bias in the map shape every engine takes ({"id": bias}).
nlohmann::json bias_map(const std::set<int>& ids, double bias);

// The generated ids, when the reply carries them (nullopt: it gave text only).
std::optional<std::vector<int>> generated_ids(const nlohmann::json& choice);

// P("1") / (P("0") + P("1")) at the first generated position, or nullopt (and `error`) when the
// reply's logprobs hold not both answers.
std::optional<double> answer_probability(const nlohmann::json& choice, const ServerTokens& tokens,
                                         std::string& error);

}  // namespace arbiter::remote
