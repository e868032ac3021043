#include "remote/completions_exchange.h"

#include <algorithm>

#include "core/sse_parser.h"
#include "harmony/classification.h"
#include "remote/completions_dialect.h"

namespace arbiter::remote {

namespace {

constexpr const char* kPath = "/v1/completions";

nlohmann::json request(const std::vector<int32_t>& prompt, const RemoteOptions& options) {
    nlohmann::json body = {{"prompt", prompt}, {"stream", false}};
    if (!options.model.empty()) body["model"] = options.model;
    return body;
}

void set_sampling(nlohmann::json& body, const Job& job, RemoteEngine engine) {
    if (!job.seed) {
        body["temperature"] = 0.0;
        return;
    }
    // As the embedded engine samples: the model's distribution, nothing cut off. vLLM and SGLang
    // cut nothing by default; llama-server's defaults keep the top 40 above a floor.
    body["seed"] = *job.seed;
    body["temperature"] = 1.0;
    body["top_p"] = 1.0;
    if (engine == RemoteEngine::llama_server) {
        body["top_k"] = 0;
        body["min_p"] = 0.0;
    }
}

void read_usage(const nlohmann::json& reply, Usage& usage) {
    const auto u = reply.find("usage");
    if (u == reply.end() || !u->is_object()) return;
    usage.prompt_tokens = int_field(*u, "prompt_tokens");
    if (const auto details = u->find("prompt_tokens_details"); details != u->end())
        usage.cached_tokens = int_field(*details, "cached_tokens");
    usage.completion_tokens = int_field(*u, "completion_tokens");
}

// The first choice of a reply, or nullopt (and `error`).
std::optional<nlohmann::json> first_choice(const HttpResult& result, Usage& usage, std::string& error) {
    const std::optional<nlohmann::json> reply = read_reply(result, error);
    if (!reply) return std::nullopt;
    const auto choices = reply->find("choices");
    if (choices == reply->end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) {
        error = "the server's /v1/completions answered without choices[0]";
        return std::nullopt;
    }
    read_usage(*reply, usage);
    return (*choices)[0];
}

Verdict score(harmony::Classification& c, const std::vector<int32_t>& prompt, const RemoteOptions& options,
              const ServerTokens& tokens, const Post& post) {
    nlohmann::json body = request(prompt, options);
    request_answer_logprobs(body, options.engine, tokens);
    merge_extra_fields(body, options.extra_request_fields);
    std::string error;
    Usage usage;
    const std::optional<nlohmann::json> choice = first_choice(post(kPath, body), usage, error);
    if (!choice) return c.failed(error);
    const std::optional<double> p = answer_probability(*choice, tokens, error);
    if (!p) return c.failed(error);
    c.usage().prompt_tokens = usage.prompt_tokens;
    c.usage().cached_tokens = usage.cached_tokens;
    c.score(*p);
    return c.verdict();
}

// Keeps generated reasoning tokens until the first that ends it. Empty on success, else the error.
std::string keep_reasoning(harmony::Classification& c, std::vector<int32_t>& prompt,
                           const std::vector<int>& ids, const harmony::Tokenizer& tokenizer,
                           const std::set<int>& specials, bool& ended) {
    for (const int id : ids) {
        if (id < 0 || id >= tokenizer.vocabulary_size())
            return "the server answered a token id outside the tokenizer's vocabulary: is --tokenizer the "
                   "served "
                   "model's?";
        if (ended || !c.reasoning_continues(specials.contains(id))) {
            ended = true;
            return {};
        }
        prompt.push_back(id);
        c.add_reasoning(tokenizer.piece(id));  // the job's on_reasoning hears it now
    }
    return {};
}

// The reasoning request streamed (`body` set up for it): each chunk's tokens are kept as they
// arrive. Empty on success, else the error.
std::string reason_streamed(harmony::Classification& c, std::vector<int32_t>& prompt, nlohmann::json body,
                            const RemoteOptions& options, const ServerTokens& tokens,
                            const StreamedPost& post) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
    const int prompt_tokens = static_cast<int>(prompt.size());
    const std::set<int> specials = tokens.special_ids();
    SseParser parser;
    Usage usage;
    std::string error;
    bool ended = false;
    const auto on_event = [&](const std::string& data) {
        if (data == "[DONE]") return true;
        const nlohmann::json chunk = nlohmann::json::parse(data, nullptr, false);
        if (!chunk.is_object()) {
            error = "the server's streamed reply held an event that is not a JSON object";
            return false;
        }
        if (const auto e = chunk.find("error"); e != chunk.end()) {  // a server that failed mid-stream
            error = "the server's streamed reply ended with an error: " +
                    (e->is_object() ? string_field(*e, "message") : e->dump());
            return false;
        }
        read_usage(chunk, usage);
        const auto choices = chunk.find("choices");
        if (choices == chunk.end() || !choices->is_array() || choices->empty()) return true;  // usage only
        const std::optional<std::vector<int>> ids = generated_ids((*choices)[0]);
        if (!ids && !string_field((*choices)[0], "text").empty()) {
            error = "the server's streamed reasoning carried no token ids";
            return false;
        }
        if (ids) error = keep_reasoning(c, prompt, *ids, *options.tokenizer, specials, ended);
        return error.empty();
    };
    const HttpResult result = post(kPath, body, [&](std::string_view bytes) {
        // Nothing may throw through the HTTP client: the job's on_reasoning runs in here.
        try {
            for (const std::string& data : parser.feed(bytes)) {
                if (!on_event(data)) return false;
            }
        } catch (const std::exception& e) {
            error = std::string("the streamed reasoning could not be read: ") + e.what();
            return false;
        }
        return true;
    });
    if (!error.empty()) return error;
    if (result.failure != HttpResult::Failure::none || result.status != 200) {
        read_reply(result, error);
        return error;
    }
    // A server that counts none: the prompt sent.
    c.usage().prompt_tokens = usage.prompt_tokens > 0 ? usage.prompt_tokens : prompt_tokens;
    c.usage().cached_tokens = usage.cached_tokens;
    return {};
}

// The reasoning step; appends the kept tokens to `prompt`. Empty on success, else the error.
std::string reason(harmony::Classification& c, std::vector<int32_t>& prompt, const RemoteOptions& options,
                   const ServerTokens& tokens, const Post& post, const StreamedPost& streamed) {
    const Job& job = c.job();
    nlohmann::json body = request(prompt, options);
    body["max_tokens"] = c.reasoning_budget();
    set_sampling(body, job, options.engine);
    if (job.reason_to_budget) {
        body["logit_bias"] = bias_map(tokens.banned_in_text(), -100);
        body["ignore_eos"] = true;
    } else {
        request_stop_at_specials(body, options.engine, tokens);
    }
    request_generated_ids(body, options.engine);
    merge_extra_fields(body, options.extra_request_fields);
    const bool ids_streamed =
        options.engine == RemoteEngine::llama_server || options.engine == RemoteEngine::vllm;
    if (streamed && job.on_reasoning && ids_streamed)
        return reason_streamed(c, prompt, std::move(body), options, tokens, streamed);
    std::string error;
    Usage usage;
    const std::optional<nlohmann::json> choice = first_choice(post(kPath, body), usage, error);
    if (!choice) return error;
    c.usage().prompt_tokens = usage.prompt_tokens;
    c.usage().cached_tokens = usage.cached_tokens;
    // Ids as the server generated them where it says; SGLang gives text only, which arbiter's
    // tokenizer turns back into ids (the same ids unless the model wrote an unusual split).
    std::optional<std::vector<int>> generated = generated_ids(*choice);
    if (!generated) generated = options.tokenizer->tokenize_text(string_field(*choice, "text"));
    bool ended = false;
    return keep_reasoning(c, prompt, *generated, *options.tokenizer, tokens.special_ids(), ended);
}

}  // namespace

std::vector<int32_t> completions_prompt(const Job& job, const harmony::Tokenizer& tokenizer) {
    const harmony::ClassificationPrompt prompt = harmony::classification_prompt(job);
    std::vector<int32_t> ids = tokenizer.tokenize(prompt.prefix);
    const std::vector<int32_t> item = tokenizer.tokenize(prompt.item);
    ids.insert(ids.end(), item.begin(), item.end());
    return ids;
}

Verdict classify_completions(const Job& job, const RemoteOptions& options, const ServerTokens& tokens,
                             const Post& post, const StreamedPost& streamed) {
    harmony::Classification c(job, options.max_reasoning_tokens);
    std::vector<int32_t> prompt = completions_prompt(job, *options.tokenizer);
    if (c.scoring()) return score(c, prompt, options, tokens, post);
    if (std::string error = reason(c, prompt, options, tokens, post, streamed); !error.empty())
        return c.failed(error);

    const std::vector<int32_t> header = options.tokenizer->tokenize(harmony::final_channel_header());
    prompt.insert(prompt.end(), header.begin(), header.end());
    nlohmann::json body = request(prompt, options);
    body["max_tokens"] = c.answer_cap();
    body["logit_bias"] = bias_map(tokens.banned_in_text(), -100);
    request_grammar(body, options.engine, c.answer_grammar());
    set_sampling(body, job, options.engine);
    merge_extra_fields(body, options.extra_request_fields);
    std::string error;
    Usage usage;
    const std::optional<nlohmann::json> choice = first_choice(post(kPath, body), usage, error);
    if (!choice) return c.failed(error);
    // A complete answer stops at an end-of-generation token, which the servers count and the
    // embedded engine never generates.
    const bool stopped = string_field(*choice, "finish_reason") == "stop";
    c.set_answer(string_field(*choice, "text"), std::max(0, usage.completion_tokens - (stopped ? 1 : 0)));
    return c.verdict();
}

}  // namespace arbiter::remote
