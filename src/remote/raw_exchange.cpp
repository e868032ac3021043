#include "remote/raw_exchange.h"

#include <algorithm>
#include <set>

#include "harmony/classification.h"
#include "harmony/text_cuts.h"
#include "remote/completions_dialect.h"

namespace arbiter::remote {

namespace {

// What no text string sent to the server may contain (see the header).
const std::vector<std::string>& cut_inside() {
    static const std::vector<std::string> texts = {"<|"};
    return texts;
}

void set_sampling(nlohmann::json& body, const Job& job) {
    if (job.seed) {
        // As the embedded engine samples: the model's distribution, nothing cut off.
        body["seed"] = *job.seed;
        body["temperature"] = 1.0;
        body["top_k"] = 0;
        body["top_p"] = 1.0;
        body["min_p"] = 0.0;
    } else {
        body["temperature"] = 0.0;
    }
}

nlohmann::json banned(const ServerTokens& tokens) {
    nlohmann::json bias = nlohmann::json::array();
    for (const int id : tokens.banned_in_text()) bias.push_back({id, false});
    return bias;
}

void read_usage(const nlohmann::json& reply, Usage& usage) {
    usage.prompt_tokens = int_field(reply, "tokens_evaluated");
    if (const auto timings = reply.find("timings"); timings != reply.end())
        usage.cached_tokens = int_field(*timings, "cache_n");
}

Verdict score(harmony::Classification& c, const RemoteOptions& options, const ServerTokens& tokens,
              const Post& post) {
    const Job& job = c.job();
    // Both digits get the same large bias: their ratio, the probability, is unchanged, and every
    // other token's share becomes negligible, so both are among the two most likely after sampling.
    nlohmann::json body = {{"prompt", raw_job_prompt(job, tokens)},
                           {"n_predict", 1},
                           {"n_probs", 2},
                           {"post_sampling_probs", true},
                           {"samplers", nlohmann::json::array({"temperature"})},
                           {"temperature", 1.0},
                           {"logit_bias", nlohmann::json::array({{tokens.zero, 100}, {tokens.one, 100}})},
                           {"cache_prompt", true},
                           {"stream", false}};
    merge_extra_fields(body, options.extra_request_fields);
    std::string error;
    const std::optional<nlohmann::json> reply = read_reply(post("/completion", body), error);
    if (!reply) return c.failed(error);
    double p0 = -1, p1 = -1;
    if (const auto probs = reply->find("completion_probabilities");
        probs != reply->end() && probs->is_array() && !probs->empty() && (*probs)[0].is_object()) {
        const nlohmann::json top = (*probs)[0].value("top_probs", nlohmann::json::array());
        for (const auto& p : top) {
            if (!p.is_object() || !p.contains("id") || !p.contains("prob") || !p["prob"].is_number())
                continue;
            if (p["id"] == tokens.zero) p0 = p["prob"].get<double>();
            if (p["id"] == tokens.one) p1 = p["prob"].get<double>();
        }
    }
    if (p0 < 0 || p1 < 0 || p0 + p1 <= 0)
        return c.failed("the server returned no probabilities for the answers 0 and 1");
    read_usage(*reply, c.usage());
    c.score(p1 / (p0 + p1));
    return c.verdict();
}

}  // namespace

nlohmann::json raw_prompt(const harmony::Prompt& prompt, const ServerTokens& tokens) {
    nlohmann::json out = nlohmann::json::array();
    for (const harmony::Piece& piece : prompt.pieces()) {
        if (piece.special) {
            out.push_back(tokens.special(piece.text));
            continue;
        }
        for (const std::string_view text : harmony::cut_text(piece.text, cut_inside()))
            out.push_back(std::string(text));
    }
    return out;
}

nlohmann::json raw_job_prompt(const Job& job, const ServerTokens& tokens) {
    const harmony::ClassificationPrompt prompt = harmony::classification_prompt(job);
    nlohmann::json out = raw_prompt(prompt.prefix, tokens);
    for (auto& p : raw_prompt(prompt.item, tokens)) out.push_back(std::move(p));
    return out;
}

Verdict classify_raw(const Job& job, const RemoteOptions& options, const ServerTokens& tokens,
                     const Post& post) {
    harmony::Classification c(job, options.max_reasoning_tokens);
    if (c.scoring()) return score(c, options, tokens, post);
    nlohmann::json prompt = raw_job_prompt(job, tokens);

    // 1. The reasoning: the server generates up to the budget (stopping at an end-of-generation
    // token); the protocol keeps the tokens before the first harmony special.
    nlohmann::json body = {{"prompt", prompt},
                           {"n_predict", c.reasoning_budget()},
                           {"cache_prompt", true},
                           {"return_tokens", true},
                           {"stream", false}};
    set_sampling(body, job);
    if (job.reason_to_budget) {
        body["logit_bias"] = banned(tokens);
        body["ignore_eos"] = true;
    } else {
        request_stop_at_specials(body, RemoteEngine::llama_server, tokens);
    }
    merge_extra_fields(body, options.extra_request_fields);
    std::string error;
    const std::optional<nlohmann::json> reasoning = read_reply(post("/completion", body), error);
    if (!reasoning) return c.failed(error);
    const nlohmann::json generated = reasoning->value("tokens", nlohmann::json::array());
    if (!generated.is_array() || !std::all_of(generated.begin(), generated.end(),
                                              [](const auto& t) { return t.is_number_integer(); })) {
        return c.failed("the server's /completion answered without the generated token ids");
    }
    const std::set<int> special_ids = tokens.special_ids();
    std::vector<int> kept;
    for (const auto& t : generated) {
        if (!c.reasoning_continues(special_ids.contains(t.get<int>()))) break;
        kept.push_back(t.get<int>());
    }
    read_usage(*reasoning, c.usage());
    if (kept.size() == generated.size()) {
        c.add_reasoning(string_field(*reasoning, "content"));
    } else {
        // The content holds text the model wrote after its special token too: keep the analysis only.
        const std::optional<nlohmann::json> text = read_reply(post("/detokenize", {{"tokens", kept}}), error);
        if (!text) return c.failed(error);
        c.add_reasoning(string_field(*text, "content"));
    }

    // 2. The answer, after the final channel's header that arbiter writes, bound by the grammar.
    for (int id : kept) prompt.push_back(id);
    for (auto& p : raw_prompt(harmony::final_channel_header(), tokens)) prompt.push_back(std::move(p));
    body = {{"prompt", prompt},
            {"n_predict", c.answer_cap()},
            {"grammar", c.answer_grammar()},
            {"logit_bias", banned(tokens)},
            {"cache_prompt", true},
            {"stream", false}};
    set_sampling(body, job);
    merge_extra_fields(body, options.extra_request_fields);
    const std::optional<nlohmann::json> answer = read_reply(post("/completion", body), error);
    if (!answer) return c.failed(error);
    // The end-of-generation token that stopped a complete answer counts in tokens_predicted; the
    // embedded engine never generates it.
    const bool stopped_at_eog = string_field(*answer, "stop_type") == "eos";
    c.set_answer(string_field(*answer, "content"),
                 std::max(0, int_field(*answer, "tokens_predicted") - (stopped_at_eog ? 1 : 0)));
    return c.verdict();
}

}  // namespace arbiter::remote
