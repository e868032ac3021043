#include "mcp/mcp_relay.h"

#include <strings.h>

#include "core/sse_parser.h"
#include "core/utf8.h"
#include "http/body_stream.h"
#include "mcp/mcp_messages.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;

// Most bytes of a whole answer the guard reads before judging it.
constexpr size_t kMaxReplyBytes = size_t{16} << 20;

// The server's headers the client needs: its session, how to authenticate, when to retry, what it
// allows (the content type is the guard's own: it writes the body).
constexpr const char* kAnswerHeaders[] = {"Mcp-Session-Id", "WWW-Authenticate", "Retry-After", "Allow"};

std::string header_of(const UpstreamHeaders& headers, const char* name) {
    for (const auto& [key, value] : headers) {
        if (strcasecmp(key.c_str(), name) == 0) return value;
    }
    return {};
}

bool is_event_stream(const UpstreamHeaders& headers) {
    return strncasecmp(header_of(headers, "Content-Type").c_str(), "text/event-stream", 17) == 0;
}

bool is_success(int status) {
    return status / 100 == 2;
}

// Each value only where it is printable ASCII: a server's CR or LF would otherwise start headers,
// or a body, of the guard's answer.
void pass_headers(const UpstreamHeaders& from, HttpResponse& to, const std::string& request_id) {
    for (const char* name : kAnswerHeaders) {
        if (std::string value = header_of(from, name); !value.empty() && is_printable_ascii(value))
            to.set_header(name, std::move(value));
    }
    to.set_header("X-Request-Id", request_id);
}

HttpResponse failure(int status, const std::string& why) {
    return rpc_response(status, {{rpc_error(nullptr, kNotJudged, "arbiter: " + why)}});
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
    for (json& m : messages.messages) m = judge.judge_response(std::move(m), calls);
    return mcp_text(messages);
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
    const std::string why =
        reply.timed_out
            ? "did not answer within " + std::to_string(guard.config.timeout.count()) + " ms (mcp timeout_ms)"
            : "did not answer: " + reply.error;
    return failure(reply.timed_out ? 504 : 502, "the MCP server " + guard.upstream.url() + " " + why);
}

// A whole answer, judged whatever its status and content type say (a client might read it all
// the same): JSON-RPC judged message by message, with the guard's own answers added; an empty
// body as it came; anything else replaced by a JSON-RPC error with the server's status.
HttpResponse whole_answer(int status, const std::string& body, McpJudge& judge, const McpExchange& exchange) {
    if (body.empty() && (exchange.answered.empty() || !is_success(status))) {
        HttpResponse res;
        res.status = status;
        return res;
    }
    McpMessages messages{{}, exchange.batch};
    if (!body.empty()) {
        try {
            messages = mcp_messages(body);
        } catch (const McpInputError& e) {
            return failure(is_success(status) ? 502 : status,
                           "the MCP server answered " + std::to_string(status) +
                               " with what is not JSON-RPC (" + e.what() + ")");
        }
        for (json& m : messages.messages) m = judge.judge_response(std::move(m), exchange.calls);
    }
    if (!is_success(status)) return rpc_response(status, messages);
    messages.messages.insert(messages.messages.begin(), exchange.answered.begin(), exchange.answered.end());
    messages.batch = exchange.batch || messages.messages.size() > 1;
    return rpc_response(200, messages);
}

// The exchange itself; throws on what the caller answers as a failure.
void relay(ServiceContext& context, McpGuard& guard, const McpExchange& exchange,
           const std::shared_ptr<LateResponse>& later, const std::shared_ptr<BodyStream>& client,
           bool& streaming) {
    McpJudge judge(context, guard, exchange.request_id);
    std::string body;
    SseParser parser;
    UpstreamCall call;
    call.any_success = true;
    call.on_status = [&](int status, const UpstreamHeaders& headers) {
        if (!is_success(status) || !is_event_stream(headers)) return;
        streaming = true;
        HttpResponse res;
        res.status = status;
        res.content_type = "text/event-stream";
        res.set_header("Cache-Control", "no-cache");
        pass_headers(headers, res, exchange.request_id);
        res.stream = client;
        later->deliver(std::move(res));
        for (const json& answer : exchange.answered)
            client->write(sse_text({"", "", "", mcp_text({{answer}, false}), true}));
    };
    call.on_bytes = [&](std::string_view bytes) {
        if (guard.stopping) return false;
        if (streaming) return relay_events(parser, bytes, judge, exchange.calls, *client);
        body.append(bytes);
        return body.size() <= kMaxReplyBytes;
    };
    call.abandoned = [&] { return guard.stopping || client->cancelled(); };
    const UpstreamReply reply = guard.upstream.send(exchange.request, call);
    if (streaming) return client->finish();
    const std::string& whole = is_success(reply.status) ? body : reply.body;
    HttpResponse res = reply.status == 0 ? no_answer(guard, reply)
                       : whole.size() > kMaxReplyBytes
                           ? failure(502, "the MCP server's answer is longer than " +
                                              std::to_string(kMaxReplyBytes) + " bytes")
                           : whole_answer(reply.status, whole, judge, exchange);
    pass_headers(reply.headers, res, exchange.request_id);
    later->deliver(std::move(res));
}

}  // namespace

HttpResponse rpc_response(int status, const McpMessages& messages) {
    HttpResponse res;
    res.status = status;
    res.content_type = "application/json";
    res.body = mcp_text(messages);
    return res;
}

void relay_exchange(ServiceContext& context, McpGuard& guard, const McpExchange& exchange,
                    const std::shared_ptr<LateResponse>& later) {
    bool streaming = false;
    try {
        // A heartbeat finds a client that left while the server is quiet, so its request stops.
        const auto client = std::make_shared<BodyStream>(size_t{4} << 20, ":\n\n");
        try {
            relay(context, guard, exchange, later, client, streaming);
        } catch (const std::exception&) {
            if (streaming) return client->finish();  // what was judged went out; the rest does not
            throw;
        }
    } catch (const std::exception& e) {
        later->deliver(failure(500, e.what()));
    }
}

}  // namespace arbiter::service
