#include <chrono>
#include <cstdlib>
#include <future>

#include "core/content_json.h"
#include "core/verdict_json.h"
#include "service/chat_relay.h"
#include "service/gateway.h"
#include "service/http_reply.h"
#include "service/request_error.h"
#include "service/routes.h"
#include "service/verdict_fanout.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

std::string token_from(const std::string& variable) {
    if (variable.empty()) return {};
    const char* value = std::getenv(variable.c_str());
    return value ? value : "";
}

// The conversation the messages hold, in the form the policies judge. Roles and text only: a
// tool call or an image part has no text to judge.
Content conversation_of(const json& body) {
    if (!body.is_object()) throw RequestError(400, "the body must be a JSON object");
    if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
        throw RequestError(400, "messages must be a non-empty list");
    if (body.contains("stream") && !body["stream"].is_boolean())
        throw RequestError(400, "stream must be true or false");
    std::vector<Turn> turns;
    for (size_t i = 0; i < body["messages"].size(); ++i) {
        const json& m = body["messages"][i];
        const std::string field = "messages[" + std::to_string(i) + "]";
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
            throw RequestError(400, field + " must be an object with a role");
        Turn turn{m["role"].get<std::string>(), ""};
        const json content = m.value("content", json());
        if (content.is_string()) {
            turn.content = content.get<std::string>();
        } else if (content.is_array()) {
            for (const json& part : content) {
                if (part.is_object() && part.value("type", "") == "text" && part.contains("text") &&
                    part["text"].is_string())
                    turn.content += part["text"].get<std::string>();
            }
        } else if (!content.is_null()) {
            throw RequestError(400, field + ".content must be a string, a list of parts or null");
        }
        turns.push_back(std::move(turn));
    }
    if (turns.size() > kMaxTurns) throw RequestError(413, "too many messages");
    return Content::conversation(std::move(turns));
}

std::vector<std::shared_ptr<const Policy>> policies_of(ServiceContext& context,
                                                       const std::optional<std::vector<std::string>>& ids) {
    if (!ids) return context.policies.current_all();
    std::vector<std::shared_ptr<const Policy>> policies;
    for (const std::string& id : *ids) policies.push_back(context.known_policy(id));
    return policies;
}

// Score-mode verdicts of `content` against `policies`, logged; the ids of those at or above their
// threshold (`threshold`, or each policy's stream threshold when it is absent).
std::vector<std::string> flagged_by(ServiceContext& context, const std::string& request_id,
                                    const std::string& item_id, const Content& content,
                                    const std::vector<std::shared_ptr<const Policy>>& policies,
                                    std::optional<double> threshold) {
    if (policies.empty()) return {};
    const std::vector<ClassifyItem> items = {{item_id, content, content_to_json(content).dump()}};
    const std::vector<bool> inline_policy(policies.size(), false);
    const auto verdicts = run_items(context, {request_id, items, policies, inline_policy, Mode::score,
                                              std::nullopt, 0, context.config.on_timeout});
    std::vector<std::string> flagged;
    for (size_t p = 0; p < policies.size(); ++p) {
        const Verdict& v = verdicts[0][p];
        const double at = threshold.value_or(policies[p]->stream.threshold);
        const bool over = v.probability ? *v.probability >= at : v.violation.value_or(true);
        if (over) flagged.push_back(policies[p]->id);
    }
    return flagged;
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
    const std::string model = body.value("model", "");
    if (body.value("stream", false)) {
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

Content with_answer(Content conversation, std::string answer) {
    conversation.turns.push_back({"assistant", std::move(answer)});
    return conversation;
}

void whole_answer(ServiceContext& context, Gateway& gateway, const std::string& request_id,
                  const Content& conversation, const std::string& forwarded, HttpResponse& res) {
    const UpstreamReply reply = gateway.upstream.post("/chat/completions", forwarded);
    if (reply.status == 0)
        throw RequestError(502, "the upstream " + gateway.upstream.url() + " did not answer: " + reply.error);
    if (reply.status != 200) {
        res.status = reply.status;
        res.content_type = "application/json";
        res.body = reply.body;
        return;
    }
    json answer = json::parse(reply.body, nullptr, false);
    if (!answer.is_object() || !answer.contains("choices") || !answer["choices"].is_array() ||
        answer["choices"].empty() || !answer["choices"][0].is_object())
        throw RequestError(502, "the upstream's answer is not a chat completion");
    json& choice = answer["choices"][0];
    const json content = choice.contains("message") ? choice["message"].value("content", json()) : json();
    const std::string text = content.is_string() ? content.get<std::string>() : "";
    const std::vector<std::string> flagged =
        flagged_by(context, request_id, "output", with_answer(conversation, text),
                   policies_of(context, gateway.config.output_policies), std::nullopt);
    if (!flagged.empty()) {
        choice["message"]["content"] = "";
        choice["finish_reason"] = "content_filter";
        answer["arbiter"] = {{"stage", "output"}, {"policies", flagged}};
    }
    res.content_type = "application/json";
    res.body = answer.dump(-1, ' ', false, json::error_handler_t::replace);
}

void streamed_answer(ServiceContext& context, StreamSessions& sessions, Gateway& gateway,
                     const HttpRequest& req, const Content& conversation, const std::string& forwarded,
                     HttpResponse& res) {
    StreamOpen open;
    std::vector<std::string> ids;
    for (const auto& policy : policies_of(context, gateway.config.output_policies)) {
        const StreamSettings& st = policy->stream;
        open.policies.push_back(
            {policy, st.check_every_tokens, st.threshold, st.consecutive, st.at_sentence_ends});
        open.reason_at_close.push_back(st.reason_at_close);
        ids.push_back(policy->id);
    }
    if (open.policies.empty()) throw RequestError(500, "the gateway has no output policies");
    open.context = with_answer(conversation, "");
    auto client = std::make_shared<BodyStream>();
    auto relay = std::make_shared<ChatRelay>(client, gateway.config.release, ids);
    const std::string caller = req.caller;
    const std::string stream_id =
        sessions.open(caller, std::move(open), [relay](const StreamCheck& c) { relay->on_check(c); });
    relay->set_stream(stream_id, [&sessions, caller, stream_id](const std::string& text) {
        try {
            sessions.append(caller, stream_id, text);
            return true;
        } catch (const RequestError&) {
            return false;  // over the stream's limit: the answer ends unjudged, and unreleased
        }
    });

    struct Start {
        int status = 0;
        std::string body;
        std::string error;
    };
    auto started = std::make_shared<std::promise<Start>>();
    std::future<Start> first = started->get_future();
    const bool room = gateway.active.fetch_add(1) < gateway.config.max_streams;
    const bool queued = room && gateway.relays.try_submit([&sessions, &gateway, relay, started, caller,
                                                           stream_id, forwarded] {
        bool announced = false;
        const UpstreamReply reply = gateway.upstream.post(
            "/chat/completions", forwarded,
            [&](int status) {
                if (status != 200) return;
                announced = true;
                started->set_value({200, "", ""});
            },
            [&](std::string_view bytes) { return !gateway.stopping && relay->feed(bytes); });
        if (!announced) started->set_value({reply.status, reply.body, reply.error});
        StreamResult result;
        try {
            result = sessions.close(caller, stream_id);
        } catch (const RequestError& e) {
            result.ok = false;
            result.error = e.what();
        }
        if (announced) relay->finish(result, reply.error == "stopped" ? "" : reply.error);
        --gateway.active;
    });
    if (!queued) {
        --gateway.active;
        sessions.close(caller, stream_id);
        throw RequestError(429, "the gateway relays " + std::to_string(gateway.config.max_streams) +
                                    " streamed answers at once; retry shortly");
    }
    if (first.wait_for(gateway.config.timeout) != std::future_status::ready)
        throw RequestError(504, "the upstream did not start answering in time");
    const Start start = first.get();
    if (start.status == 0)
        throw RequestError(502, "the upstream " + gateway.upstream.url() + " did not answer: " + start.error);
    if (start.status != 200) {
        res.status = start.status;
        res.content_type = "application/json";
        res.body = start.body;
        return;
    }
    res.content_type = "text/event-stream";
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Arbiter-Stream", stream_id);
    res.stream = std::move(client);
}

}  // namespace

Gateway::Gateway(const GatewayConfig& c)
    : config(c),
      upstream(c.upstream, token_from(c.api_key_env), c.timeout),
      relays(c.max_streams, c.max_streams) {}

void add_gateway_routes(Router& router, ServiceContext& context, StreamSessions& sessions, Gateway& gateway) {
    router.add("POST", "/v1/chat/completions", Role::classify, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) {
                   const json body = parse_body(req);
                   const Content conversation = conversation_of(body);
                   const std::string request_id = random_id("chatcmpl-");
                   res.set_header("X-Request-Id", request_id);
                   const std::vector<std::string> flagged = flagged_by(
                       context, request_id, "input", conversation,
                       policies_of(context, gateway.config.input_policies), gateway.config.input_threshold);
                   if (!flagged.empty()) return refuse(res, body, request_id, flagged);
                   if (body.value("stream", false))
                       return streamed_answer(context, sessions, gateway, req, conversation, req.body, res);
                   whole_answer(context, gateway, request_id, conversation, req.body, res);
               });
}

}  // namespace arbiter::service
