#include "harmony/classification.h"

#include <stdexcept>

#include "core/answer_grammar.h"
#include "core/answer_parser.h"
#include "core/content_layout.h"
#include "harmony/special_tokens.h"

namespace arbiter::harmony {

int reasoning_budget(const Job& job, int engine_default) {
    return job.max_reasoning_tokens > 0 ? job.max_reasoning_tokens : engine_default;
}

ClassificationPrompt classification_prompt(const Job& job) {
    const Policy& policy = *job.policy;
    Settings settings;
    settings.effort = job.effort.value_or(policy.effort);
    const bool scoring = job.mode == Mode::score;
    ClassificationPrompt prompt =
        render_classification(settings, policy.text, user_message(job.content),
                              scoring ? AssistantStart::final_answer : AssistantStart::open);
    if (scoring) {
        prompt.item.text(score_prefix(policy.output));
    } else {
        // The reasoning opens on the analysis channel, as the model would open it itself.
        prompt.item.special(kChannel);
        prompt.item.text("analysis");
        prompt.item.special(kMessage);
    }
    return prompt;
}

Classification::Classification(Job job, int default_reasoning_budget)
    : job_(std::move(job)), budget_(harmony::reasoning_budget(job_, default_reasoning_budget)) {
    if (!job_.policy) throw std::invalid_argument("a job needs a policy");
    if (!scoring()) grammar_ = arbiter::answer_grammar(*job_.policy);
}

int Classification::answer_cap() const {
    return answer_token_cap(job_.policy->output);
}

void Classification::score(double probability) {
    probability_ = probability;
}

bool Classification::reasoning_continues(bool control_token) {
    if (control_token || reasoning_tokens_ >= budget_) return false;
    ++reasoning_tokens_;
    ++usage_.completion_tokens;
    return true;
}

void Classification::add_reasoning(std::string_view text) {
    analysis_ += text;
    if (job_.on_reasoning && !text.empty()) job_.on_reasoning(text);
}

bool Classification::answer_continues(std::string_view piece) {
    ++answer_tokens_;
    ++usage_.completion_tokens;
    answer_ += piece;
    const OutputFormat format = job_.policy->output;
    return !(parse_answer(answer_, format).parsed || answer_closed(answer_, format) ||
             answer_tokens_ >= answer_cap());
}

void Classification::set_answer(std::string answer, int tokens) {
    answer_ = std::move(answer);
    answer_tokens_ = tokens;
    usage_.completion_tokens += tokens;
}

Verdict Classification::with_progress(Verdict v) const {
    v.usage = usage_;
    v.rationale = analysis_;
    v.raw_answer = answer_;
    return v;
}

Verdict Classification::verdict() const {
    Verdict v = with_progress(verdict_for(*job_.policy));
    if (scoring()) {
        if (!probability_) return failed("no score was read");
        v.status = VerdictStatus::ok;
        v.probability = probability_;
        v.violation = *probability_ >= 0.5;
        return v;
    }
    record_answer(parse_answer(answer_, job_.policy->output), v);
    return v;
}

Verdict Classification::stopped(Stop why) const {
    return with_progress(stopped_verdict(job_, why));
}

Verdict Classification::failed(std::string message) const {
    return with_progress(failed_verdict(job_, std::move(message)));
}

}  // namespace arbiter::harmony
