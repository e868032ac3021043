#pragma once
// The guarded chat gateway: POST /v1/chat/completions in front of an OpenAI-compatible LLM
// server (`serve --upstream URL`, or gateway: in the configuration).
//
//   1. The request's messages are judged by the input policies (score mode) before anything is
//      forwarded; a P(violation) at or above input_threshold gets a refusal in OpenAI's shape,
//      finish_reason "content_filter", and the upstream never sees the request.
//   2. Without "stream": the answer is fetched whole and judged by the output policies (score
//      mode, each at its stream threshold), its text and tool calls together, before it is
//      returned; a flagged answer's content and calls are withheld (finish_reason
//      "content_filter").
//   3. With "stream": true: the answer streams through a stream session of the output policies
//      (service/chat_relay.h, observe or hold), and a flag ends the stream with content_filter.
//      Tool calls are held whatever the release mode and judged once the upstream is done.
// The messages' tool calls and tool results are judged with their text at the input stage (an
// injected instruction in what a tool returned never reaches the upstream).
// Steps 2 and 3 wait on the gateway's own threads (service/gateway_answers.h), never on an HTTP
// worker, and each upstream request is bounded start to end by timeout_ms.
//
// Every judgement is in the decision log: the input's and a whole answer's as classifications
// (request id "chatcmpl-..."), a streamed answer's as its stream's verdict. A refusal or cut
// names the policy in an "arbiter" field: {"stage": "input" | "output" | "tool_call", "policies"
// | "policy", "offset_bytes", "tool", "stream"}; a tool call's decision is logged with the item
// id "tool_call:NAME".

#include <atomic>
#include <memory>

#include "http/worker_pool.h"
#include "service/service_config.h"
#include "streams/upstream_client.h"

namespace arbiter::service {

struct Gateway {
    // Reads the upstream's token from config.api_key_env. Throws std::invalid_argument for a bad
    // upstream URL.
    explicit Gateway(const GatewayConfig& config);

    const GatewayConfig config;
    const UpstreamClient upstream;
    std::atomic<bool> stopping = false;  // relays stop reading their upstreams
    std::atomic<size_t> active = 0;      // streamed answers being relayed (at most max_streams)
    std::atomic<size_t> waiting = 0;     // whole answers being waited for (at most max_waiting)
    WorkerPool waits;                    // the threads that wait for whole answers
    WorkerPool relays;                   // the threads that read streamed answers (last: joined first)
};

}  // namespace arbiter::service
