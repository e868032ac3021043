#pragma once
// The client span of one job's call to a model server (all its attempts), named and described with
// OpenTelemetry's GenAI semantic conventions, and its context, which a traceparent names to the server so
// the server's own spans join arbiter's trace.

#include <chrono>
#include <string>

#include "core/backend.h"
#include "core/span.h"
#include "core/verdict.h"
#include "remote/remote_options.h"

namespace arbiter::remote {

class UpstreamSpan {
public:
    // Starts now, under the job's trace; a job without one has no span and sends no traceparent.
    // The job's wait in the backend's queue since `submitted` is reported as a span of its own.
    UpstreamSpan(const Job& job, const RemoteOptions& options,
                 std::chrono::steady_clock::time_point submitted);

    // The span's own context, for the traceparent of the server's requests; invalid without a trace.
    const TraceContext& context() const { return span_.context; }

    // Ends the span with what the server answered (tokens used, the verdict's status).
    void finish(const Verdict& verdict);

private:
    Tracing tracing_;
    Span span_;
};

}  // namespace arbiter::remote
