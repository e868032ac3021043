#include "streams/traced_upstream.h"

namespace arbiter::service {

UpstreamReply traced_chat(const UpstreamClient& upstream, const Tracing& tracing, const std::string& path,
                          const std::string& json, const UpstreamCall& call) {
    Span span = child_span(tracing, "chat", SpanKind::client, unix_nanos());
    span.attributes.emplace_back("gen_ai.operation.name", std::string("chat"));
    span.attributes.emplace_back("server.address", upstream.url());
    UpstreamRequest request{.method = "POST", .path = path, .body = json, .headers = {}};
    if (tracing.parent.valid()) request.headers.emplace_back("traceparent", format_traceparent(span.context));
    UpstreamReply reply = upstream.send(request, call);
    span.attributes.emplace_back("http.response.status_code", static_cast<int64_t>(reply.status));
    if (reply.status == 0 || reply.status >= 500) {
        span.error = true;
        span.status_message =
            reply.status == 0 ? reply.error.substr(0, 512) : "HTTP " + std::to_string(reply.status);
    }
    finish_span(tracing, std::move(span));
    return reply;
}

}  // namespace arbiter::service
