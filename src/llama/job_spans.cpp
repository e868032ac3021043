#include "llama/job_spans.h"

#include <string>

namespace arbiter::engine {

namespace {

void report(const Tracing& tracing, const std::string& name, int64_t start, int64_t end) {
    if (start == 0 || end < start) return;
    Span span = child_span(tracing, name, SpanKind::internal, start);
    span.end_unix_nanos = end;
    tracing.sink->record(std::move(span));
}

}  // namespace

JobTimes admitted_now(std::chrono::steady_clock::time_point submitted) {
    JobTimes times;
    times.admitted = unix_nanos();
    times.submitted =
        times.admitted - std::chrono::nanoseconds(std::chrono::steady_clock::now() - submitted).count();
    return times;
}

void report_job_spans(const Tracing& tracing, const JobTimes& times, const Verdict& verdict, int64_t now) {
    if (!tracing.sink || !tracing.parent.valid()) return;
    report(tracing, "queue wait", times.submitted, times.admitted != 0 ? times.admitted : now);
    const int64_t prefill_end = times.prefilled != 0 ? times.prefilled : now;
    Span prefill = child_span(tracing, "prefill", SpanKind::internal, times.admitted);
    if (times.admitted != 0) {
        prefill.end_unix_nanos = prefill_end;
        // GenAI's names where they exist: the whole prompt, and the part a cached policy prefix spared.
        prefill.attributes.emplace_back("gen_ai.usage.input_tokens", int64_t{verdict.usage.prompt_tokens});
        prefill.attributes.emplace_back("arbiter.cached_tokens", int64_t{verdict.usage.cached_tokens});
        tracing.sink->record(std::move(prefill));
    }
    if (times.prefilled == 0) return;
    report(tracing, "reasoning", times.prefilled, times.answering != 0 ? times.answering : now);
    if (times.answering == 0) return;
    Span answer = child_span(tracing, "answer", SpanKind::internal, times.answering);
    answer.end_unix_nanos = now;
    answer.attributes.emplace_back("gen_ai.usage.output_tokens", int64_t{verdict.usage.completion_tokens});
    tracing.sink->record(std::move(answer));
}

}  // namespace arbiter::engine
