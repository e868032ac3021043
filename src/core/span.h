#pragma once
// A finished span of a trace as arbiter reports it (one timed step: a request, its admission,
// a model server's call, a log write), where spans go, and what a piece of work carries so that
// the spans of its steps join its trace: a Tracing travels with a request and with each Job.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/trace_context.h"

namespace arbiter {

// OpenTelemetry's span kinds, with the OTLP enum's numbers.
enum class SpanKind { internal = 1, server = 2, client = 3 };

using SpanValue = std::variant<std::string, int64_t, double, bool>;

struct Span {
    std::string name = {};
    SpanKind kind = SpanKind::internal;
    TraceContext context = {};        // its trace and its own span id
    std::string parent_span_id = {};  // empty: a root span
    int64_t start_unix_nanos = 0;
    int64_t end_unix_nanos = 0;
    std::vector<std::pair<std::string, SpanValue>> attributes = {};
    bool error = false;               // OTLP status code ERROR; otherwise UNSET
    std::string status_message = {};  // why, when error
};

// Where finished spans go (an exporter). record() must return at once and may be called from any
// thread.
class SpanSink {
public:
    virtual ~SpanSink() = default;
    virtual void record(Span span) = 0;
};

// What a piece of work needs to report spans in its caller's trace.
struct Tracing {
    TraceContext parent = {};             // the span the work is part of; invalid: no trace
    std::shared_ptr<SpanSink> sink = {};  // null: spans are not exported (ids still propagate)
    bool include_content = false;         // whether a span may carry the content judged
};

// Now, as OTLP times spans: nanoseconds since the Unix epoch.
int64_t unix_nanos(std::chrono::system_clock::time_point at = std::chrono::system_clock::now());

// A span named `name` under `tracing.parent`, with a new id, started at `start`.
Span child_span(const Tracing& tracing, std::string name, SpanKind kind, int64_t start);

// The most bytes of content a span carries, where tracing.include_content allows any.
constexpr size_t kMaxSpanContentBytes = 4096;

// Adds `text` (cut to kMaxSpanContentBytes at a character boundary) to `span` as attribute
// "arbiter.content", only when `tracing` allows content in spans.
void add_content(const Tracing& tracing, Span& span, std::string_view text);

// Ends `span` now and hands it to `tracing`'s sink, if it has one.
void finish_span(const Tracing& tracing, Span span);

}  // namespace arbiter
