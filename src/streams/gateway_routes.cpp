#include <chrono>

#include "core/content_json.h"
#include "core/random_id.h"
#include "core/service_error.h"
#include "core/verdict_json.h"
#include "http/http_reply.h"
#include "streams/gateway.h"
#include "streams/gateway_answers.h"
#include "streams/gateway_judging.h"
#include "streams/routes.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Whether the client asked for a streamed answer ("stream": true; false, null or absent: whole).
bool wants_stream(const json& body) {
    const auto it = body.find("stream");
    return it != body.end() && it->is_boolean() && it->get<bool>();
}

// The request's model name as the answer repeats it: "" unless it is a string (clients send null).
std::string model_of(const json& body) {
    const auto it = body.find("model");
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The text of one message's content: a string, or the text parts of a list of parts.
std::string message_text(const json& content, const std::string& field) {
    if (content.is_string()) return content.get<std::string>();
    if (content.is_null()) return {};
    if (!content.is_array())
        throw ServiceError(Refusal::invalid, field + ".content must be a string, a list of parts or null");
    std::string text;
    for (const json& part : content) {
        if (part.is_object() && part.contains("type") && part["type"] == "text" && part.contains("text") &&
            part["text"].is_string())
            text += part["text"].get<std::string>();
    }
    return text;
}

// A message's tool calls, the call a tool's result answers and its name, as the policies judge
// them (an agent's turns: the input policies see what tools returned).
void read_agent_fields(const json& m, const std::string& field, Turn& turn) {
    try {
        if (const auto calls = m.find("tool_calls"); calls != m.end() && !calls->is_null())
            turn.tool_calls = tool_calls_from_json(*calls, field + ": ", false);
    } catch (const ContentError& e) {
        throw ServiceError(Refusal::invalid, e.what());
    }
    for (const auto& [key, value] : {std::pair{"tool_call_id", &turn.tool_call_id}, {"name", &turn.name}}) {
        if (const auto it = m.find(key); it != m.end() && it->is_string()) *value = it->get<std::string>();
    }
}

// The conversation the messages hold, in the form the policies judge: roles, text, tool calls
// and results (an image part has no text to judge).
Content conversation_of(const json& body) {
    if (!body.is_object()) throw ServiceError(Refusal::invalid, "the body must be a JSON object");
    if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
        throw ServiceError(Refusal::invalid, "messages must be a non-empty list");
    // OpenAI's schema allows null, which its SDKs send for an unset option.
    if (body.contains("stream") && !body["stream"].is_boolean() && !body["stream"].is_null())
        throw ServiceError(Refusal::invalid, "stream must be true, false or null");
    if (body["messages"].size() > kMaxTurns) throw ServiceError(Refusal::too_large, "too many messages");
    // One choice, in the current tools API: other choices and legacy function calls would reach the
    // client unjudged.
    if (const auto n = body.find("n"); n != body.end() && !n->is_null() && *n != 1)
        throw ServiceError(Refusal::invalid, "the gateway judges one answer: n must be 1");
    for (const char* legacy : {"functions", "function_call"}) {
        if (body.contains(legacy))
            throw ServiceError(Refusal::invalid, std::string("'") + legacy +
                                                     "' is OpenAI's legacy function calling; send 'tools'");
    }
    std::vector<Turn> turns;
    for (size_t i = 0; i < body["messages"].size(); ++i) {
        const json& m = body["messages"][i];
        const std::string field = "messages[" + std::to_string(i) + "]";
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
            throw ServiceError(Refusal::invalid, field + " must be an object with a role");
        Turn turn{m["role"].get<std::string>(), message_text(m.value("content", json()), field)};
        read_agent_fields(m, field, turn);
        turns.push_back(std::move(turn));
    }
    name_tool_results(turns);
    return Content::conversation(std::move(turns));
}

long long now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The refusal of a flagged request, whole or as a one-chunk stream.
void refuse(HttpResponse& res, const json& body, const std::string& id,
            const std::vector<std::string>& flagged) {
    const ordered_json arbiter = {{"stage", "input"}, {"policies", flagged}};
    const std::string model = model_of(body);
    if (wants_stream(body)) {
        const ordered_json chunk = {{"id", id},
                                    {"object", "chat.completion.chunk"},
                                    {"created", now_seconds()},
                                    {"model", model},
                                    {"choices",
                                     {{{"index", 0},
                                       {"delta", {{"role", "assistant"}, {"content", ""}}},
                                       {"finish_reason", "content_filter"}}}},
                                    {"arbiter", arbiter}};
        res.content_type = "text/event-stream";
        res.body = "data: " + to_json_line(chunk) + "\n\ndata: [DONE]\n\n";
        return;
    }
    send_json(res, 200,
              {{"id", id},
               {"object", "chat.completion"},
               {"created", now_seconds()},
               {"model", model},
               {"choices",
                {{{"index", 0},
                  {"message", {{"role", "assistant"}, {"content", ""}}},
                  {"finish_reason", "content_filter"}}}},
               {"usage", {{"prompt_tokens", 0}, {"completion_tokens", 0}, {"total_tokens", 0}}},
               {"arbiter", arbiter}});
}

}  // namespace

Gateway::Gateway(const GatewayConfig& c)
    : config(c),
      upstream(c.upstream, token_from_env(c.api_key_env), c.timeout),
      waits(c.max_waiting, c.max_waiting),
      relays(c.max_streams, c.max_streams) {}

void add_gateway_routes(Router& router, ServiceContext& context, StreamSessions& sessions, Gateway& gateway) {
    router.add(
        "POST", "/v1/chat/completions", Role::classify, Cost::blocking,
        [&](const HttpRequest& req, HttpResponse& res) {
            const json body = parse_body(req);
            const ChatExchange chat{random_id("chatcmpl-"), req.caller, conversation_of(body), req.body,
                                    req.tracing};
            res.set_header("X-Request-Id", chat.request_id);
            const std::vector<std::string> flagged = flagged_by(
                context, chat.request_id, "input", chat.conversation,
                judging(stage_policies(context, gateway.config.input_policies), chat.conversation.turns),
                gateway.config.input_threshold);
            if (!flagged.empty()) return refuse(res, body, chat.request_id, flagged);
            if (wants_stream(body)) return answer_streamed(context, sessions, gateway, chat, res);
            answer_whole(context, gateway, chat, res);
        });
}

}  // namespace arbiter::service
