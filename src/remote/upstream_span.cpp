#include "remote/upstream_span.h"

#include "core/content_layout.h"

namespace arbiter::remote {

namespace {

// GenAI's gen_ai.operation.name: chat mode sends messages, the others a rendered prompt.
std::string operation(RemoteMode mode) {
    return mode == RemoteMode::chat ? "chat" : "text_completion";
}

}  // namespace

UpstreamSpan::UpstreamSpan(const Job& job, const RemoteOptions& options,
                           std::chrono::steady_clock::time_point submitted)
    : tracing_(job.tracing) {
    if (!tracing_.parent.valid()) return;
    const auto waited = std::chrono::steady_clock::now() - submitted;
    Span queued =
        child_span(tracing_, "queue wait", SpanKind::internal,
                   unix_nanos(std::chrono::system_clock::now() -
                              std::chrono::duration_cast<std::chrono::system_clock::duration>(waited)));
    finish_span(tracing_, std::move(queued));
    const std::string op = operation(options.mode);
    // GenAI's span name: "{gen_ai.operation.name} {gen_ai.request.model}".
    span_ = child_span(tracing_, options.model.empty() ? op : op + " " + options.model, SpanKind::client,
                       unix_nanos());
    span_.attributes.emplace_back("gen_ai.operation.name", op);
    if (!options.model.empty()) span_.attributes.emplace_back("gen_ai.request.model", options.model);
    if (job.policy) span_.attributes.emplace_back("arbiter.policy.id", job.policy->id);
    add_content(tracing_, span_, user_message(job.content));
}

void UpstreamSpan::finish(const Verdict& verdict) {
    if (!tracing_.parent.valid()) return;
    span_.attributes.emplace_back("gen_ai.usage.input_tokens",
                                  static_cast<int64_t>(verdict.usage.prompt_tokens));
    span_.attributes.emplace_back("gen_ai.usage.output_tokens",
                                  static_cast<int64_t>(verdict.usage.completion_tokens));
    span_.attributes.emplace_back("arbiter.verdict.status", std::string(to_string(verdict.status)));
    if (verdict.status != VerdictStatus::ok) {
        span_.error = true;
        span_.status_message = verdict.error.substr(0, 512);
    }
    finish_span(tracing_, std::move(span_));
}

}  // namespace arbiter::remote
