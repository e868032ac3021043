#include "mcp/mcp_relay.h"

#include <strings.h>

#include "core/sse_parser.h"
#include "http/body_stream.h"
#include "mcp/mcp_messages.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;

// Most bytes of a JSON answer the guard reads before judging it.
constexpr size_t kMaxReplyBytes = size_t{16} << 20;

// The server's headers the client needs: its session, its content type, how to authenticate.
constexpr const char* kAnswerHeaders[] = {"Mcp-Session-Id", "WWW-Authenticate"};

std::string header_of(const UpstreamHeaders& headers, const char* name) {
    for (const auto& [key, value] : headers) {
        if (strcasecmp(key.c_str(), name) == 0) return value;
    }
    return {};
}

bool is_event_stream(const UpstreamHeaders& headers) {
    return strncasecmp(header_of(headers, "Content-Type").c_str(), "text/event-stream", 17) == 0;
}

void pass_headers(const UpstreamHeaders& from, HttpResponse& to, const std::string& request_id) {
    for (const char* name : kAnswerHeaders) {
        if (std::string value = header_of(from, name); !value.empty()) to.set_header(name, std::move(value));
    }
    to.set_header("X-Request-Id", request_id);
}

HttpResponse rpc_answer(int status, const McpMessages& messages) {
    HttpResponse res;
    res.status = status;
    res.content_type = "application/json";
    res.body = mcp_text(messages);
    return res;
}

// An SSE event's data as the client may have it: each message judged; data that is not JSON-RPC
// arbiter can read is dropped (nullopt), since a client might read what the guard could not judge.
std::optional<std::string> judged_data(const std::string& data, McpJudge& judge, const McpCalls& calls) {
    McpMessages messages;
    try {
        messages = mcp_messages(data);
    } catch (const McpInputError&) {
        return std::nullopt;
    }
    bool changed = false;
    for (json& m : messages.messages) {
        json judged = judge.judge_response(m, calls);
        changed = changed || judged != m;
        m = std::move(judged);
    }
    return changed ? mcp_text(messages) : data;
}

// Judges and writes the events `bytes` complete; false once reading should stop.
bool relay_events(SseParser& parser, std::string_view bytes, McpJudge& judge, const McpCalls& calls,
                  BodyStream& client) {
    std::vector<SseEvent> events;
    try {
        events = parser.feed_events(bytes);
    } catch (const std::length_error&) {
        return false;  // an event that never ends: the stream ends here
    }
    for (SseEvent& event : events) {
        if (event.has_data) {
            std::optional<std::string> data = judged_data(event.data, judge, calls);
            if (!data) continue;
            event.data = std::move(*data);
        }
        if (!client.write(sse_text(event))) return false;
    }
    return true;
}

// The guard's answer when the server gave none.
HttpResponse no_answer(const McpGuard& guard, const UpstreamReply& reply) {
    const std::string why = reply.timed_out ? "did not answer within " +
                                                  std::to_string(guard.config.timeout.count()) +
                                                  " ms (mcp timeout_ms)"
                                            : "did not answer: " + reply.error;
    return rpc_answer(reply.timed_out ? 504 : 502,
                      {{rpc_error(nullptr, kNotJudged, "arbiter: the MCP server " + guard.upstream.url() + " " + why)}});
}

// A whole answer: a 200's JSON-RPC judged (whatever its content type says: a client might read it
// all the same), the guard's own answers added; an empty one, or any other status, as it came.
HttpResponse whole_answer(const UpstreamReply& reply, const std::string& body, McpJudge& judge,
                          const McpExchange& exchange) {
    HttpResponse res;
    if (reply.status == 200 && !body.empty()) {
        McpMessages messages;
        try {
            messages = mcp_messages(body);
        } catch (const McpInputError& e) {
            return rpc_answer(502, {{rpc_error(nullptr, kNotJudged,
                                               std::string("arbiter: the MCP server's answer is not JSON-RPC: ") +
                                                   e.what())}});
        }
        for (json& m : messages.messages) m = judge.judge_response(std::move(m), exchange.calls);
        messages.messages.insert(messages.messages.begin(), exchange.answered.begin(), exchange.answered.end());
        messages.batch = exchange.batch || messages.messages.size() > 1;
        res = rpc_answer(200, messages);
    } else if (reply.status == 202 && !exchange.answered.empty()) {
        res = rpc_answer(200, {exchange.answered, exchange.batch || exchange.answered.size() > 1});
    } else {
        res.status = reply.status;
        res.content_type = header_of(reply.headers, "Content-Type");
        res.body = reply.status == 200 ? body : reply.body;
    }
    return res;
}

}  // namespace

void relay_exchange(ServiceContext& context, McpGuard& guard, const McpExchange& exchange,
                    const std::shared_ptr<LateResponse>& later) {
    McpJudge judge(context, guard, exchange.request_id);
    // A heartbeat finds a client that left while the server is quiet, so its request stops.
    auto client = std::make_shared<BodyStream>(size_t{4} << 20, ":\n\n");
    bool streaming = false;
    std::string body;
    SseParser parser;
    UpstreamCall call;
    call.on_status = [&](int status, const UpstreamHeaders& headers) {
        if (status != 200 || !is_event_stream(headers)) return;
        streaming = true;
        HttpResponse res;
        res.content_type = "text/event-stream";
        res.set_header("Cache-Control", "no-cache");
        pass_headers(headers, res, exchange.request_id);
        res.stream = client;
        later->deliver(std::move(res));
        for (const json& answer : exchange.answered) client->write(sse_text({"", "", "", answer.dump(), true}));
    };
    call.on_bytes = [&](std::string_view bytes) {
        if (guard.stopping) return false;
        if (streaming) return relay_events(parser, bytes, judge, exchange.calls, *client);
        body.append(bytes);
        return body.size() <= kMaxReplyBytes;
    };
    call.abandoned = [&] { return guard.stopping || client->cancelled(); };
    try {
        const UpstreamReply reply = guard.upstream.send(exchange.request, call);
        if (streaming) return client->finish();
        HttpResponse res = reply.status == 0 ? no_answer(guard, reply)
                           : body.size() > kMaxReplyBytes
                               ? rpc_answer(502, {{rpc_error(nullptr, kNotJudged,
                                                             "arbiter: the MCP server's answer is longer than " +
                                                                 std::to_string(kMaxReplyBytes) + " bytes")}})
                               : whole_answer(reply, body, judge, exchange);
        pass_headers(reply.headers, res, exchange.request_id);
        later->deliver(std::move(res));
    } catch (const std::exception& e) {
        if (streaming) return client->finish();
        later->deliver(rpc_answer(500, {{rpc_error(nullptr, kNotJudged, std::string("arbiter: ") + e.what())}}));
    }
}

}  // namespace arbiter::service
