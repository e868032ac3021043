#pragma once
// Every HTTP request's server span: it continues the caller's trace when the request carries a
// valid W3C `traceparent` (an invalid one is ignored and a new trace starts, as the spec says),
// and the request's work (jobs, the log write) goes under it through request.tracing.

#include <memory>
#include <string_view>

#include "core/span.h"
#include "http/http_message.h"

namespace arbiter::service {

// Starts `request`'s server span now and sets request.tracing to it (spans to `sink`, which may
// be null: ids are still made, propagated and logged). Its name gets the route on ending.
Span begin_server_span(HttpRequest& request, const std::shared_ptr<SpanSink>& sink, bool include_content);

// Ends the server span `span` of a request traced by `tracing` (request.tracing) for an answer
// with `status` by the route `route` (its pattern, or "other").
void end_server_span(const Tracing& tracing, Span span, std::string_view route, int status);

// Reports the admission step (keys, rate limit) that ran from `start` until now under `request`'s
// server span, with the status of its refusal (0: admitted).
void record_admission(const HttpRequest& request, int64_t start, int refused_status);

}  // namespace arbiter::service
