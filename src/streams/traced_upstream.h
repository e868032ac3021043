#pragma once
// A request to the gateway's upstream as a client span of the client's request, with a W3C
// traceparent naming that span, so that the LLM server's own spans join arbiter's trace.

#include <string>

#include "core/span.h"
#include "streams/upstream_client.h"

namespace arbiter::service {

// POSTs the chat completion `json` to `path` on `upstream` as upstream.post() does, reported as a
// span under `tracing` (GenAI's "chat" operation) with its answer's status.
UpstreamReply traced_chat(const UpstreamClient& upstream, const Tracing& tracing, const std::string& path,
                          const std::string& json, const UpstreamCall& call);

}  // namespace arbiter::service
