#include "core/random_id.h"
#include "core/service_error.h"
#include "http/http_reply.h"
#include "http/slot.h"
#include "mcp/mcp_guard.h"
#include "mcp/mcp_messages.h"
#include "mcp/mcp_relay.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;

// The client's headers the server needs: its session, its protocol version, where to resume,
// what it accepts.
constexpr const char* kRequestHeaders[] = {"Accept", "Content-Type", "Mcp-Session-Id", "MCP-Protocol-Version",
                                           "Last-Event-ID"};

UpstreamHeaders forwarded_headers(const HttpRequest& req, const McpGuard& guard) {
    UpstreamHeaders headers;
    for (const char* name : kRequestHeaders) {
        if (std::string value = req.header(name); !value.empty())
            headers.emplace_back(name, std::move(value));
    }
    // Without keys arbiter reads no Authorization, so the client's goes on to the server (one that
    // checks a bearer token sees the client's); with keys it carries arbiter's key, which stays here.
    const std::string authorization = req.header("Authorization");
    if (guard.config.api_key_env.empty() && req.caller.empty() && !authorization.empty())
        headers.emplace_back("Authorization", authorization);
    return headers;
}

// Answers with `answer`, keeping the headers already set.
void respond(HttpResponse& res, HttpResponse answer) {
    answer.headers.insert(answer.headers.begin(), res.headers.begin(), res.headers.end());
    res = std::move(answer);
}

// Relays `exchange` on one of the guard's threads, counted in `held`; 429 when max_streams of its
// kind are out already.
void relay_later(ServiceContext& context, McpGuard& guard, const McpExchange& exchange,
                 std::atomic<size_t>& held, HttpResponse& res) {
    auto later = std::make_shared<LateResponse>();
    auto slot = std::make_shared<Slot>(held, guard.config.max_streams);
    const bool queued = slot->held() && guard.relays.try_submit([&context, &guard, later, slot, exchange] {
        relay_exchange(context, guard, exchange, later);
    });
    if (!queued)
        throw ServiceError(Refusal::busy,
                           "the MCP guard relays " + std::to_string(guard.config.max_streams) + " " +
                               (&held == &guard.listening ? "server streams (GET)" : "requests") +
                               " at once (mcp max_streams); retry shortly");
    res.later = std::move(later);
}

// A client's POST: its tool calls judged, those refused answered here, the rest relayed.
void post_messages(ServiceContext& context, McpGuard& guard, const HttpRequest& req, HttpResponse& res) {
    McpExchange exchange{random_id("mcp-"), {"POST", "", "", forwarded_headers(req, guard)}, {}, {}, false};
    res.set_header("X-Request-Id", exchange.request_id);
    McpMessages in;
    try {
        in = mcp_messages(req.body);
    } catch (const McpInputError& e) {
        return respond(res, rpc_response(400, {{rpc_error(nullptr, e.code, e.what())}}));
    }
    McpJudge judge(context, guard, exchange.request_id);
    McpMessages forwarded{{}, in.batch};
    for (json& m : in.messages) {
        if (is_tool_call(m)) {
            if (std::optional<json> refusal = judge.judge_call(m)) {
                exchange.answered.push_back(std::move(*refusal));
                continue;
            }
            exchange.calls.emplace(id_key(m["id"]), tool_call_of(m));
        }
        forwarded.messages.push_back(std::move(m));
    }
    exchange.batch = in.batch;
    if (forwarded.messages.empty())
        return respond(res, rpc_response(200, {exchange.answered, in.batch || exchange.answered.size() > 1}));
    // As the guard read it, never the client's bytes: a server's parser that reads them otherwise
    // (a duplicated key, an escape) would run what was not judged.
    exchange.request.body = mcp_text(forwarded);
    relay_later(context, guard, exchange, guard.active, res);
}

}  // namespace

void add_mcp_routes(Router& router, ServiceContext& context, McpGuard& guard) {
    router.add("POST", guard.config.path, Role::classify, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) { post_messages(context, guard, req, res); });
    // The server's own stream (GET) and the end of a session (DELETE): relayed, their messages judged.
    for (const char* method : {"GET", "DELETE"}) {
        router.add(
            method, guard.config.path, Role::classify, Cost::quick,
            [&, method](const HttpRequest& req, HttpResponse& res) {
                McpExchange exchange{random_id("mcp-"), {method, "", "", forwarded_headers(req, guard)}};
                res.set_header("X-Request-Id", exchange.request_id);
                relay_later(context, guard, exchange,
                            std::string_view(method) == "GET" ? guard.listening : guard.active, res);
            });
    }
}

}  // namespace arbiter::service
