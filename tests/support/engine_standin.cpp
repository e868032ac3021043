#include "support/engine_standin.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "harmony/special_tokens.h"

namespace arbiter::test {

namespace {

using json = nlohmann::json;

// OpenAI's own /v1/completions fields, which both vLLM and SGLang take.
const std::vector<std::string> kOpenAiFields = {"model",
                                                "prompt",
                                                "best_of",
                                                "echo",
                                                "frequency_penalty",
                                                "logit_bias",
                                                "logprobs",
                                                "max_tokens",
                                                "n",
                                                "presence_penalty",
                                                "seed",
                                                "stop",
                                                "stream",
                                                "stream_options",
                                                "suffix",
                                                "temperature",
                                                "top_p",
                                                "user"};

std::set<std::string> with_openai_fields(std::vector<std::string> own) {
    own.insert(own.end(), kOpenAiFields.begin(), kOpenAiFields.end());
    return {own.begin(), own.end()};
}

const std::set<std::string>& known_fields(StandinEngine engine) {
    static const std::set<std::string> vllm = with_openai_fields({"use_beam_search",
                                                                  "top_k",
                                                                  "min_p",
                                                                  "repetition_penalty",
                                                                  "length_penalty",
                                                                  "stop_token_ids",
                                                                  "include_stop_str_in_output",
                                                                  "ignore_eos",
                                                                  "min_tokens",
                                                                  "skip_special_tokens",
                                                                  "spaces_between_special_tokens",
                                                                  "truncate_prompt_tokens",
                                                                  "allowed_token_ids",
                                                                  "prompt_logprobs",
                                                                  "add_special_tokens",
                                                                  "response_format",
                                                                  "structured_outputs",
                                                                  "priority",
                                                                  "request_id",
                                                                  "logits_processors",
                                                                  "return_tokens_as_token_ids",
                                                                  "return_token_ids",
                                                                  "cache_salt",
                                                                  "vllm_xargs"});
    static const std::set<std::string> sglang = with_openai_fields(
        {"top_k", "min_p", "min_tokens", "json_schema", "regex", "ebnf", "repetition_penalty",
         "stop_token_ids", "no_stop_trim", "ignore_eos", "skip_special_tokens", "lora_path", "session_params",
         "return_hidden_states", "rid"});
    static const std::set<std::string> ollama = {"model",
                                                 "messages",
                                                 "stream",
                                                 "stream_options",
                                                 "max_tokens",
                                                 "seed",
                                                 "stop",
                                                 "temperature",
                                                 "frequency_penalty",
                                                 "presence_penalty",
                                                 "top_p",
                                                 "response_format",
                                                 "tools",
                                                 "reasoning",
                                                 "reasoning_effort",
                                                 "logprobs",
                                                 "top_logprobs"};
    return engine == StandinEngine::vllm ? vllm : engine == StandinEngine::sglang ? sglang : ollama;
}

bool int_list(const json& v) {
    return v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_number_integer(); });
}

// The prompt's ids, for a prompt of ids (the only form arbiter sends; text is refused by the
// stand-in since it would be tokenized with special tokens parsed).
std::vector<int> prompt_ids(const json& body) {
    return int_list(body["prompt"]) ? body["prompt"].get<std::vector<int>>() : std::vector<int>{};
}

std::string check_bias(const json& bias) {
    if (!bias.is_object()) return "logit_bias: Input should be a valid dictionary";
    for (const auto& [key, value] : bias.items()) {
        if (key.empty() || !std::all_of(key.begin(), key.end(), ::isdigit))
            return "logit_bias: invalid token id " + key;
        if (!value.is_number()) return "logit_bias: Input should be a valid number";
    }
    return {};
}

}  // namespace

EngineStandin::EngineStandin(StandinEngine engine, std::shared_ptr<const harmony::Tokenizer> tokenizer,
                             double p_violation)
    : engine_(engine), tokenizer_(std::move(tokenizer)), p_violation_(p_violation) {
    const auto ok = [](const httplib::Request&, httplib::Response& res) {
        res.set_content("", "text/plain");
    };
    if (engine_ == StandinEngine::ollama) {
        server_.Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
            res.set_content(R"({"version":"0.12.0"})", "application/json");
        });
        server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("Ollama is running", "text/plain");
        });
        server_.Post("/v1/chat/completions",
                     [this](const httplib::Request& req, httplib::Response& res) { chat(req, res); });
    } else {
        server_.Get("/health", ok);
    }
    server_.Post("/v1/completions",
                 [this](const httplib::Request& req, httplib::Response& res) { completions(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

EngineStandin::~EngineStandin() {
    server_.stop();
    thread_.join();
}

std::vector<json> EngineStandin::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::vector<std::string> EngineStandin::refusals() const {
    std::lock_guard lock(mutex_);
    return refusals_;
}

std::vector<std::string> EngineStandin::unknown_fields() const {
    std::lock_guard lock(mutex_);
    return unknown_;
}

void EngineStandin::refuse(httplib::Response& res, const std::string& why) {
    {
        std::lock_guard lock(mutex_);
        refusals_.push_back(why);
    }
    res.status = 400;
    const json error = {{"message", why}, {"type", "BadRequestError"}, {"param", nullptr}, {"code", 400}};
    if (engine_ == StandinEngine::sglang) {
        json flat = error;
        flat["object"] = "error";
        res.set_content(flat.dump(), "application/json");
    } else {
        res.set_content(json{{"error", error}}.dump(), "application/json");
    }
}

std::string EngineStandin::check_completions(const json& body) {
    if (engine_ == StandinEngine::ollama) {
        return body.contains("prompt") && body["prompt"].is_string()
                   ? std::string("the stand-in answers no text prompts")
                   : "json: cannot unmarshal array into Go struct field CompletionRequest.prompt of type "
                     "string";
    }
    if (!body.contains("prompt")) return "prompt: Field required";
    if (!int_list(body["prompt"]) || body["prompt"].empty())
        return "prompt: the stand-in takes a non-empty list of token ids (text would be tokenized with "
               "special tokens parsed)";
    if (engine_ == StandinEngine::sglang && !(body.contains("model") && body["model"].is_string()))
        return "model: Field required";
    if (body.contains("max_tokens") &&
        !(body["max_tokens"].is_number_integer() && body["max_tokens"].get<int>() > 0))
        return "max_tokens must be a positive integer";
    if (body.contains("logprobs")) {
        if (!body["logprobs"].is_number_integer() || body["logprobs"].get<int>() < 0)
            return "logprobs: Input should be a valid integer";
        if (engine_ == StandinEngine::vllm && body["logprobs"].get<int>() > 20)
            return "Requested sample logprobs of " + std::to_string(body["logprobs"].get<int>()) +
                   ", which is greater than max allowed: 20";
    }
    if (body.contains("logit_bias")) {
        if (std::string why = check_bias(body["logit_bias"]); !why.empty()) return why;
    }
    for (const char* ids : {"stop_token_ids", "allowed_token_ids"}) {
        if (body.contains(ids) && !int_list(body[ids]))
            return std::string(ids) + ": Input should be a valid list of integers";
    }
    if (body.contains("structured_outputs") &&
        !(body["structured_outputs"].is_object() &&
          body["structured_outputs"].value("grammar", json()).is_string()))
        return "structured_outputs: the stand-in expects {\"grammar\": GBNF}";
    if (engine_ == StandinEngine::sglang &&
        (body.contains("ebnf") + body.contains("regex") + body.contains("json_schema")) > 1)
        return "Only one of regex, json_schema, or ebnf can be set.";
    return {};
}

json EngineStandin::record(const std::string& text) {
    json body = json::parse(text, nullptr, false);
    if (!body.is_object()) return body;
    std::lock_guard lock(mutex_);
    requests_.push_back(body);
    for (const auto& [key, value] : body.items()) {
        if (!known_fields(engine_).contains(key)) unknown_.push_back(key);
    }
    return body;
}

void EngineStandin::completions(const httplib::Request& req, httplib::Response& res) {
    const json body = record(req.body);
    if (!body.is_object()) return refuse(res, "the body is not a JSON object");
    if (std::string why = check_completions(body); !why.empty()) return refuse(res, why);
    const bool scoring = body.value("max_tokens", 16) == 1 && body.value("logprobs", 0) >= 2;
    res.set_content((scoring ? score(body) : generate(body, prompt_ids(body))).dump(), "application/json");
}

namespace {

// A token as the engine names it in logprobs.
std::string token_name(StandinEngine engine, const json& body, int id, const harmony::Tokenizer& tokenizer) {
    if (engine == StandinEngine::vllm && body.value("return_tokens_as_token_ids", false))
        return "token_id:" + std::to_string(id);
    return tokenizer.piece(id);
}

json usage(size_t prompt, size_t completion, size_t cached) {
    return {{"prompt_tokens", prompt},
            {"completion_tokens", completion},
            {"total_tokens", prompt + completion},
            {"prompt_tokens_details", {{"cached_tokens", cached}}}};
}

}  // namespace

json EngineStandin::generate(const json& body, const std::vector<int>& prompt) {
    const harmony::Tokenizer& t = *tokenizer_;
    const auto text_ids = [&](const char* text) { return t.tokenize_text(text); };
    // The scripted model: an answer where the grammar binds one, else the reasoning, <|end|> and
    // then the final answer the model would write next, ending at <|return|> (end of generation).
    std::vector<int> script;
    const bool answering =
        body.contains("structured_outputs") || body.contains("ebnf") || body.contains("grammar");
    const auto add = [&](const std::vector<int32_t>& ids) {
        script.insert(script.end(), ids.begin(), ids.end());
    };
    if (answering) {
        add(text_ids("1"));
    } else {
        add(text_ids(kReasoning));
        for (const auto& piece : {harmony::kEnd, harmony::kStart}) script.push_back(t.special(piece));
        add(text_ids("assistant"));
        script.push_back(t.special(harmony::kChannel));
        add(text_ids("final"));
        script.push_back(t.special(harmony::kMessage));
        add(text_ids("1"));
    }
    script.push_back(t.special(harmony::kReturn));
    const std::set<int> stop_ids = body.value("stop_token_ids", std::set<int>{});
    const size_t max_tokens = body.value("max_tokens", 16);
    std::vector<int> generated;
    json finish = "length", stopped_by = nullptr;
    std::string text;
    for (const int id : script) {
        if (generated.size() == max_tokens) break;
        generated.push_back(id);
        const bool special = id >= harmony::kSpecialRangeBegin || id == t.special(harmony::kEndOfText);
        if (stop_ids.contains(id) || id == t.special(harmony::kReturn)) {
            finish = "stop";
            stopped_by = id;
            break;
        }
        if (!special) text += t.piece(id);  // skip_special_tokens, the default
    }
    json choice = {{"index", 0}, {"text", text}, {"finish_reason", finish}, {"logprobs", nullptr}};
    choice[engine_ == StandinEngine::sglang ? "matched_stop" : "stop_reason"] = stopped_by;
    if (body.contains("logprobs")) {
        json tokens = json::array(), logprobs = json::array(), top = json::array();
        for (const int id : generated) {
            const std::string name =
                past_vocabulary_ ? "token_id:999999999" : token_name(engine_, body, id, t);
            tokens.push_back(name);
            logprobs.push_back(-0.5);
            top.push_back({{name, -0.5}});
        }
        choice["logprobs"] = {{"tokens", tokens},
                              {"token_logprobs", logprobs},
                              {"top_logprobs", top},
                              {"text_offset", json::array()}};
    }
    size_t cached = 0;
    {
        std::lock_guard lock(mutex_);
        for (const auto& seen : prompts_seen_) {
            const auto end =
                seen.size() < prompt.size() ? seen.end() : seen.begin() + static_cast<long>(prompt.size());
            const auto mismatch = std::mismatch(seen.begin(), end, prompt.begin());
            cached = std::max(cached, static_cast<size_t>(mismatch.first - seen.begin()));
        }
        prompts_seen_.push_back(prompt);
    }
    return {{"id", "cmpl-standin"},
            {"object", "text_completion"},
            {"model", body.value("model", "standin")},
            {"choices", json::array({choice})},
            {"usage", usage(prompt.size(), generated.size(), cached)}};
}

json EngineStandin::score(const json& body) {
    const harmony::Tokenizer& t = *tokenizer_;
    const int zero = t.tokenize_text("0").front();
    const int one = t.tokenize_text("1").front();
    // The model's own distribution, as vLLM reports it by default: the answers share 60% of it,
    // eighteen other tokens the rest.
    json top = json::object();
    top[token_name(engine_, body, zero, t)] = std::log((1 - p_violation_) * 0.6);
    if (!drop_one_) top[token_name(engine_, body, one, t)] = std::log(p_violation_ * 0.6);
    const std::vector<int32_t> others = t.tokenize_text("abcdefghijklmnopqr");
    for (const int32_t id : others) top[token_name(engine_, body, id, t)] = std::log(0.4 / 18);
    const int sampled = p_violation_ >= 0.5 ? one : zero;
    const std::string name = token_name(engine_, body, sampled, t);
    const json choice = {
        {"index", 0},
        {"text", t.piece(sampled)},
        {"finish_reason", "length"},
        {"logprobs",
         {{"tokens", {name}}, {"token_logprobs", {top.value(name, -1.0)}}, {"top_logprobs", {top}}}}};
    return {{"id", "cmpl-standin"},
            {"object", "text_completion"},
            {"choices", json::array({choice})},
            {"usage", usage(prompt_ids(body).size(), 1, 0)}};
}

void EngineStandin::chat(const httplib::Request& req, httplib::Response& res) {
    const json body = record(req.body);
    if (!body.is_object()) return refuse(res, "the body is not a JSON object");
    if (!body.contains("model") || !body["model"].is_string() || body["model"].get<std::string>().empty())
        return refuse(res, "model is required");
    if (!body.contains("messages") || !body["messages"].is_array())
        return refuse(res, "invalid message format");
    const json message = {{"role", "assistant"}, {"content", "1"}, {"reasoning", kReasoning}};
    const json reply = {
        {"id", "chatcmpl-standin"},
        {"object", "chat.completion"},
        {"choices", json::array({{{"index", 0}, {"message", message}, {"finish_reason", "stop"}}})},
        {"usage", {{"prompt_tokens", 300}, {"completion_tokens", 9}, {"total_tokens", 309}}}};
    res.set_content(reply.dump(), "application/json");
}

}  // namespace arbiter::test
