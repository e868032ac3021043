#include "remote/completions_dialect.h"

#include <cmath>

namespace arbiter::remote {

namespace {

constexpr std::string_view kTokenIdPrefix = "token_id:";

// The id a legacy-shape token string names: "token_id:N" (vLLM), or the answer digits' text.
std::optional<int> legacy_token_id(const std::string& token, const ServerTokens& tokens) {
    if (token.starts_with(kTokenIdPrefix)) {
        try {
            size_t used = 0;
            const std::string digits = token.substr(kTokenIdPrefix.size());
            const int id = std::stoi(digits, &used);
            if (used == digits.size()) return id;
        } catch (const std::exception&) {
        }
        return std::nullopt;
    }
    if (token == "0") return tokens.zero;
    if (token == "1") return tokens.one;
    return std::nullopt;
}

// Log-probabilities by id at the first position, in either reply shape.
std::map<int, double> first_position(const nlohmann::json& logprobs, const ServerTokens& tokens) {
    std::map<int, double> out;
    if (!logprobs.is_object()) return out;
    if (const auto content = logprobs.find("content");
        content != logprobs.end() && content->is_array() && !content->empty() && (*content)[0].is_object()) {
        const nlohmann::json& first = (*content)[0];
        for (const char* list : {"top_logprobs", "top_probs"}) {
            const auto top = first.find(list);
            if (top == first.end() || !top->is_array()) continue;
            for (const auto& entry : *top) {
                if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer()) continue;
                if (entry.contains("logprob") && entry["logprob"].is_number())
                    out[entry["id"].get<int>()] = entry["logprob"].get<double>();
                else if (entry.contains("prob") && entry["prob"].is_number() &&
                         entry["prob"].get<double>() > 0)
                    out[entry["id"].get<int>()] = std::log(entry["prob"].get<double>());
            }
        }
        return out;
    }
    const auto top = logprobs.find("top_logprobs");
    if (top == logprobs.end() || !top->is_array() || top->empty() || !(*top)[0].is_object()) return out;
    for (const auto& [token, logprob] : (*top)[0].items()) {
        const std::optional<int> id = legacy_token_id(token, tokens);
        if (id && logprob.is_number()) out[*id] = logprob.get<double>();
    }
    return out;
}

}  // namespace

nlohmann::json bias_map(const std::set<int>& ids, double bias) {
    nlohmann::json map = nlohmann::json::object();
    for (const int id : ids) map[std::to_string(id)] = bias;
    return map;
}

void request_stop_at_specials(nlohmann::json& body, RemoteEngine engine, const ServerTokens& tokens) {
    if (engine == RemoteEngine::llama_server) {
        // llama-server has no stop ids; preserved tokens are written as text its stop strings match.
        nlohmann::json texts = nlohmann::json::array();
        for (const auto& [text, id] : tokens.specials) texts.push_back(text);
        body["preserved_tokens"] = texts;
        body["stop"] = texts;
        return;
    }
    body["stop_token_ids"] = tokens.special_ids();
}

void request_generated_ids(nlohmann::json& body, RemoteEngine engine) {
    switch (engine) {
    case RemoteEngine::llama_server:
        body["logprobs"] = 1;  // each entry of logprobs.content carries its id
        break;
    case RemoteEngine::vllm:
        body["logprobs"] = 0;  // the sampled token only, named "token_id:N"
        body["return_tokens_as_token_ids"] = true;
        break;
    default:
        break;  // SGLang names tokens by text: the reasoning is tokenized again from it
    }
}

void request_grammar(nlohmann::json& body, RemoteEngine engine, const std::string& gbnf) {
    switch (engine) {
    case RemoteEngine::vllm:
        body["structured_outputs"] = {{"grammar", gbnf}};
        break;
    case RemoteEngine::sglang:
        body["ebnf"] = gbnf;
        break;
    default:
        body["grammar"] = gbnf;
        break;
    }
}

void request_answer_logprobs(nlohmann::json& body, RemoteEngine engine, const ServerTokens& tokens) {
    body["max_tokens"] = 1;
    body["temperature"] = 1.0;
    if (engine == RemoteEngine::llama_server) {
        // As raw mode: both digits get the same large bias, so they are the two likeliest after
        // sampling, and their ratio, the probability, is unchanged.
        body["logprobs"] = 2;
        body["post_sampling_probs"] = true;
        body["samplers"] = nlohmann::json::array({"temperature"});
        body["logit_bias"] = bias_map({tokens.zero, tokens.one}, 100);
        return;
    }
    // vLLM and SGLang report the model's own distribution: its top logprobs hold both digits
    // whenever the model answers at all; the sampled token is kept to them.
    body["logprobs"] = kTopLogprobs;
    if (engine == RemoteEngine::vllm) {
        body["return_tokens_as_token_ids"] = true;
        body["allowed_token_ids"] = {tokens.zero, tokens.one};
    } else {
        body["logit_bias"] = bias_map({tokens.zero, tokens.one}, 100);
    }
}

std::optional<std::vector<int>> generated_ids(const nlohmann::json& choice) {
    const auto logprobs = choice.find("logprobs");
    if (logprobs == choice.end() || !logprobs->is_object()) return std::nullopt;
    std::vector<int> ids;
    if (const auto content = logprobs->find("content"); content != logprobs->end() && content->is_array()) {
        for (const auto& entry : *content) {
            if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer())
                return std::nullopt;
            ids.push_back(entry["id"].get<int>());
        }
        return ids;
    }
    const auto tokens = logprobs->find("tokens");
    if (tokens == logprobs->end() || !tokens->is_array()) return std::nullopt;
    for (const auto& token : *tokens) {
        if (!token.is_string() || !token.get<std::string>().starts_with(kTokenIdPrefix)) return std::nullopt;
        const std::optional<int> id = legacy_token_id(token.get<std::string>(), ServerTokens{});
        if (!id) return std::nullopt;
        ids.push_back(*id);
    }
    return ids;
}

std::optional<double> answer_probability(const nlohmann::json& choice, const ServerTokens& tokens,
                                         std::string& error) {
    const std::map<int, double> logprobs = first_position(choice.value("logprobs", nlohmann::json()), tokens);
    const auto zero = logprobs.find(tokens.zero);
    const auto one = logprobs.find(tokens.one);
    if (zero == logprobs.end() || one == logprobs.end()) {
        error =
            "the server's top logprobs do not hold both answers 0 and 1 (a model that is not "
            "gpt-oss-safeguard, or a server that reports its logprobs before the allowed tokens "
            "apply: start vLLM with --logprobs-mode processed_logprobs)";
        return std::nullopt;
    }
    // Softmax over the two: subtract the larger log-probability first, so neither exp underflows.
    const double top = std::max(zero->second, one->second);
    const double p0 = std::exp(zero->second - top);
    const double p1 = std::exp(one->second - top);
    return p1 / (p0 + p1);
}

}  // namespace arbiter::remote
