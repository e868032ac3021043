#include "remote/chat_exchange.h"

#include "core/answer_grammar.h"
#include "core/answer_parser.h"
#include "core/content_layout.h"
#include "harmony/classification.h"

namespace arbiter::remote {

namespace {

constexpr std::string_view kWordJoiner = "\u2060";

}  // namespace

std::string defuse_special_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        out += text[i];
        if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '|') out += kWordJoiner;
    }
    return out;
}

nlohmann::json chat_request(const Job& job, const RemoteOptions& options) {
    const Policy& policy = *job.policy;
    const int budget = harmony::reasoning_budget(job, options.max_reasoning_tokens);
    nlohmann::json body = {
        {"messages", nlohmann::json::array(
                         {{{"role", "system"}, {"content", policy.text}},
                          {{"role", "user"}, {"content", defuse_special_text(user_message(job.content))}}})},
        {"reasoning_effort", std::string(to_string(job.effort.value_or(policy.effort)))},
        {"max_tokens", budget + answer_token_cap(policy.output)},
        {"stream", false},
    };
    if (!options.model.empty()) body["model"] = options.model;
    if (job.seed) {
        body["seed"] = *job.seed;
        body["temperature"] = 1.0;
    } else {
        body["temperature"] = 0.0;
    }
    merge_extra_fields(body, options.extra_request_fields);
    return body;
}

Verdict classify_chat(const Job& job, const RemoteOptions& options, const Post& post) {
    if (job.mode == Mode::score) {
        return failed_verdict(job,
                              "score mode needs token probabilities of a prompt arbiter renders: use "
                              "--remote-mode completions (vLLM, SGLang, llama-server) or raw (llama-server)");
    }
    std::string error;
    const std::optional<nlohmann::json> reply =
        read_reply(post("/v1/chat/completions", chat_request(job, options)), error);
    if (!reply) return failed_verdict(job, error);

    const auto choices = reply->find("choices");
    if (choices == reply->end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object() ||
        !(*choices)[0].contains("message") || !(*choices)[0]["message"].is_object()) {
        return failed_verdict(job, "server answered without choices[0].message");
    }
    const nlohmann::json& choice = (*choices)[0];
    const nlohmann::json& message = choice["message"];

    Verdict v = verdict_for(*job.policy);
    v.rationale = string_field(message, "reasoning_content");
    if (v.rationale.empty()) v.rationale = string_field(message, "reasoning");
    // The chat API answers the reasoning whole: the watcher gets it in one piece, before Done.
    if (job.on_reasoning && !v.rationale.empty()) job.on_reasoning(v.rationale);
    v.raw_answer = string_field(message, "content");
    if (const auto usage = reply->find("usage"); usage != reply->end() && usage->is_object()) {
        v.usage.prompt_tokens = int_field(*usage, "prompt_tokens");
        v.usage.completion_tokens = int_field(*usage, "completion_tokens");
        if (const auto details = usage->find("prompt_tokens_details"); details != usage->end())
            v.usage.cached_tokens = int_field(*details, "cached_tokens");
    }

    const Answer a = parse_answer(v.raw_answer, job.policy->output);
    record_answer(a, v);
    if (!a.parsed && v.raw_answer.empty() && string_field(choice, "finish_reason") == "length")
        v.error = "the reasoning used up max_tokens before an answer (raise --max-reasoning-tokens)";
    return v;
}

}  // namespace arbiter::remote
