#pragma once
// The routes of text still being written: stream sessions, and the chat gateway that streams a
// guarded model's answers through them.

#include "http/router.h"
#include "service/service_context.h"
#include "streams/gateway.h"
#include "streams/stream_sessions.h"

namespace arbiter::service {

// POST /v1/streams, /v1/streams/{id}/append and /close, GET /v1/streams/{id}/events (SSE).
void add_stream_routes(Router& router, ServiceContext& context, StreamSessions& sessions);
// POST /v1/chat/completions: the guarded chat gateway (streams/gateway.h).
void add_gateway_routes(Router& router, ServiceContext& context, StreamSessions& sessions, Gateway& gateway);

}  // namespace arbiter::service
