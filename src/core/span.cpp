#include "core/span.h"

#include "core/utf8.h"

namespace arbiter {

int64_t unix_nanos(std::chrono::system_clock::time_point at) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

Span child_span(const Tracing& tracing, std::string name, SpanKind kind, int64_t start) {
    return {.name = std::move(name),
            .kind = kind,
            .context = child_of(tracing.parent),
            .parent_span_id = tracing.parent.span_id,
            .start_unix_nanos = start};
}

void add_content(const Tracing& tracing, Span& span, std::string_view text) {
    if (!tracing.include_content) return;
    const std::string_view head = text.substr(0, kMaxSpanContentBytes);
    span.attributes.emplace_back("arbiter.content", std::string(head.substr(0, complete_utf8_prefix(head))));
}

void finish_span(const Tracing& tracing, Span span) {
    if (!tracing.sink) return;
    span.end_unix_nanos = unix_nanos();
    tracing.sink->record(std::move(span));
}

}  // namespace arbiter
