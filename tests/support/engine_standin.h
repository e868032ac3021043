#pragma once
// Stand-ins for engines that cannot be installed here (vLLM, SGLang, Ollama): HTTP servers on a
// loopback port that check each request the way that engine's OpenAI-compatible server does and
// answer in its shapes, from a scripted "model". Built from the engines' source:
//   - vLLM 0.11 (vllm/entrypoints/openai/protocol.py, CompletionRequest): prompt as text, ids or
//     lists of them; logprobs at most --max-logprobs (20), else 400; logit_bias a map from id
//     strings to numbers; stop_token_ids; structured_outputs.grammar (guided_grammar is gone
//     since 0.12 and silently ignored); return_tokens_as_token_ids names tokens "token_id:N";
//     errors nested under "error"; GET /health.
//   - SGLang 0.5 (python/sglang/srt/entrypoints/openai/protocol.py): `model` required; one of
//     ebnf, regex, json_schema; tokens in logprobs named by their text, no ids; matched_stop;
//     errors as a flat {"object": "error", "message"}; GET /health.
//   - Ollama 0.12 (openai/openai.go): /v1/completions takes a string prompt only (an array is 400);
//     chat answers carry `reasoning`; GET /api/version, no /health.
// Fields an engine does not know are accepted, as the engines do (vLLM logs them, SGLang and
// Ollama drop them), and recorded: a misspelt constraint would be silently lost on the real one.

#include <httplib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "harmony/tokenizer.h"

namespace arbiter::test {

enum class StandinEngine { vllm, sglang, ollama };

class EngineStandin {
public:
    // `tokenizer` is the served model's; the scripted model reasons "the message looks fine",
    // writes <|end|> and then, where nothing stops it, its final answer; answers "1"; scores
    // P("1") = `p_violation`.
    EngineStandin(StandinEngine engine, std::shared_ptr<const harmony::Tokenizer> tokenizer,
                  double p_violation = 0.75);
    ~EngineStandin();
    EngineStandin(const EngineStandin&) = delete;
    EngineStandin& operator=(const EngineStandin&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // What arrived (request bodies in order), why requests were refused, and fields the engine
    // does not know.
    std::vector<nlohmann::json> requests() const;
    std::vector<std::string> refusals() const;
    std::vector<std::string> unknown_fields() const;
    // Leave the answer "1" out of score replies' top logprobs (a model that is not safeguard).
    void drop_one_from_scores() { drop_one_ = true; }
    // Name every generated token "token_id:999999999", past any vocabulary (a broken server).
    void name_tokens_past_the_vocabulary() { past_vocabulary_ = true; }

    // The scripted reasoning as text, and the ids the model generates for it.
    static constexpr const char* kReasoning = "the message looks fine";

private:
    // The request's body, kept with the fields the engine does not know (discarded JSON: not kept).
    nlohmann::json record(const std::string& text);
    void completions(const httplib::Request& req, httplib::Response& res);
    void chat(const httplib::Request& req, httplib::Response& res);
    // Empty when `body` is a valid request for the engine, else why it is refused.
    std::string check_completions(const nlohmann::json& body);
    nlohmann::json generate(const nlohmann::json& body, const std::vector<int>& prompt);
    nlohmann::json score(const nlohmann::json& body);
    void refuse(httplib::Response& res, const std::string& why);

    StandinEngine engine_;
    std::shared_ptr<const harmony::Tokenizer> tokenizer_;
    double p_violation_;
    std::atomic<bool> drop_one_{false};
    std::atomic<bool> past_vocabulary_{false};
    mutable std::mutex mutex_;
    std::vector<nlohmann::json> requests_;
    std::vector<std::string> refusals_;
    std::vector<std::string> unknown_;
    std::vector<std::vector<int>> prompts_seen_;  // for cached_tokens
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

}  // namespace arbiter::test
