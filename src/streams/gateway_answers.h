#pragma once
// The gateway's second half: once a chat request's messages have passed the input policies, its
// answer is fetched from the upstream on the gateway's own threads (never an HTTP worker's: a
// slow or silent upstream must not take the threads that classification needs) and given to the
// client through a LateResponse, judged:
//   - whole: the answer, judged by the output policies before it is returned (content withheld
//     and finish_reason "content_filter" when one flags);
//   - streamed: relayed through a stream session of the output policies (service/chat_relay.h).
// The upstream request is bounded start to end by the gateway's timeout_ms (504 before the answer
// starts, an error event after), and a streamed one stops as soon as its client leaves.

#include <string>

#include "core/content.h"
#include "http/http_message.h"
#include "service/service_context.h"
#include "streams/gateway.h"
#include "streams/stream_sessions.h"

namespace arbiter::service {

// One chat request on its way to the upstream.
struct ChatExchange {
    std::string request_id;  // "chatcmpl-...": the decisions' request id, X-Request-Id
    std::string caller;      // the API key's name (owns the stream session)
    Content conversation;    // the messages as the policies judge them
    std::string forwarded;   // the request body, as the upstream gets it
    Tracing tracing = {};    // the client's request's server span: the judging's and upstream's parent
};

// Sets `res.later` and queues the wait; ServiceError busy when max_waiting answers are waited for.
void answer_whole(ServiceContext& context, Gateway& gateway, const ChatExchange& chat, HttpResponse& res);
// Opens the stream session, sets `res.later` and queues the relay; ServiceError busy past
// max_streams, and the stream session's refusals.
void answer_streamed(ServiceContext& context, StreamSessions& sessions, Gateway& gateway,
                     const ChatExchange& chat, HttpResponse& res);

}  // namespace arbiter::service
