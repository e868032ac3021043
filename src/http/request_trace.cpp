#include "http/request_trace.h"

#include <optional>
#include <string>

namespace arbiter::service {

Span begin_server_span(HttpRequest& request, const std::shared_ptr<SpanSink>& sink, bool include_content) {
    const std::optional<TraceContext> caller = parse_traceparent(request.header("traceparent"));
    const Tracing callers{.parent = caller.value_or(TraceContext{}), .sink = sink};
    Span span = child_span(callers, request.method, SpanKind::server, unix_nanos());
    span.attributes.emplace_back("http.request.method", request.method);
    span.attributes.emplace_back("url.path", request.path);
    request.tracing = {.parent = span.context, .sink = sink, .include_content = include_content};
    return span;
}

void end_server_span(const Tracing& tracing, Span span, std::string_view route, int status) {
    // HTTP's semantic conventions: "{method} {route}", with the route as registered.
    span.name.append(" ").append(route);
    span.attributes.emplace_back("http.route", std::string(route));
    span.attributes.emplace_back("http.response.status_code", static_cast<int64_t>(status));
    if (status >= 500) {
        span.error = true;
        span.status_message = "HTTP " + std::to_string(status);
    }
    finish_span(tracing, std::move(span));
}

void record_admission(const HttpRequest& request, int64_t start, int refused_status) {
    Span span = child_span(request.tracing, "admission", SpanKind::internal, start);
    span.attributes.emplace_back("arbiter.caller", request.caller);
    if (refused_status != 0) {
        span.attributes.emplace_back("http.response.status_code", static_cast<int64_t>(refused_status));
    }
    finish_span(request.tracing, std::move(span));
}

}  // namespace arbiter::service
