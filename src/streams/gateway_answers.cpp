#include "streams/gateway_answers.h"

#include <algorithm>
#include <atomic>
#include <memory>

#include "core/content_json.h"
#include "core/service_error.h"
#include "http/http_reply.h"
#include "http/late_response.h"
#include "http/router.h"
#include "http/slot.h"
#include "streams/chat_relay.h"
#include "streams/gateway_judging.h"
#include "streams/traced_upstream.h"

namespace arbiter::service {

namespace {

using json = nlohmann::json;

Content with_answer(Content conversation, std::string answer) {
    conversation.turns.push_back({"assistant", std::move(answer)});
    return conversation;
}

// The refusal of an upstream that gave no answer: timed_out when it ran out of time (whole or
// streamed alike), else upstream_failed.
ServiceError no_answer(const Gateway& gateway, const UpstreamReply& reply) {
    if (reply.timed_out)
        return {Refusal::timed_out, "the upstream " + gateway.upstream.url() + " did not answer within " +
                                        std::to_string(gateway.config.timeout.count()) +
                                        " ms (gateway timeout_ms)"};
    return {Refusal::upstream_failed,
            "the upstream " + gateway.upstream.url() + " did not answer: " + reply.error};
}

// The upstream's own refusal, passed on as it came.
HttpResponse passed_on(const UpstreamReply& reply) {
    HttpResponse res;
    res.status = reply.status;
    res.content_type = "application/json";
    res.body = reply.body;
    return res;
}

// The text of a whole chat completion's first choice; ServiceError upstream_failed for an answer that is
// none.
std::string answer_text(const json& answer) {
    if (!answer.is_object() || !answer.contains("choices") || !answer["choices"].is_array() ||
        answer["choices"].empty() || !answer["choices"][0].is_object())
        throw ServiceError(Refusal::upstream_failed, "the upstream's answer is not a chat completion");
    const json& choice = answer["choices"][0];
    if (!choice.contains("message") || !choice["message"].is_object())
        throw ServiceError(Refusal::upstream_failed,
                           "the upstream's answer is not a chat completion: its choice has no message");
    const json content = choice["message"].value("content", json());
    if (!content.is_string() && !content.is_null())
        throw ServiceError(Refusal::upstream_failed,
                           "the upstream's answer is not a chat completion: its content is not text");
    return content.is_string() ? content.get<std::string>() : "";
}

// The first choice's tool calls (none when it makes none), of an answer answer_text() accepted;
// ServiceError upstream_failed when they are not in OpenAI's shape.
std::vector<ToolCall> answer_tool_calls(const json& answer) {
    const json& message = answer["choices"][0]["message"];
    const auto calls = message.find("tool_calls");
    if (calls == message.end() || calls->is_null()) return {};
    try {
        return tool_calls_from_json(*calls, "the upstream's answer: ", false);
    } catch (const ContentError& e) {
        throw ServiceError(Refusal::upstream_failed, e.what());
    }
}

// The decision log's item id for an answer's judgement: its tools' names, where it calls any.
std::string judged_item(const std::vector<ToolCall>& calls) {
    if (calls.empty()) return "output";
    std::string item = "tool_call:";
    for (size_t i = 0; i < calls.size(); ++i) item += (i == 0 ? "" : ",") + calls[i].name;
    return item;
}

// Which of `policies` flag the answer (its text and its tool calls, judged together).
std::vector<std::string> judge_answer(ServiceContext& context, const ChatExchange& chat,
                                      const std::vector<std::shared_ptr<const Policy>>& policies,
                                      std::string text, std::vector<ToolCall> calls) {
    Content judged = with_answer(chat.conversation, std::move(text));
    const std::string item = judged_item(calls);
    judged.turns.back().tool_calls = std::move(calls);
    return flagged_by(context, chat.request_id, item, judged, policies, std::nullopt, chat.tracing);
}

HttpResponse whole_answer(ServiceContext& context, Gateway& gateway, const ChatExchange& chat) {
    UpstreamCall call;
    call.abandoned = [&gateway] { return gateway.stopping.load(); };
    const UpstreamReply reply =
        traced_chat(gateway.upstream, chat.tracing, "/chat/completions", chat.forwarded, call);
    if (reply.status == 0) throw no_answer(gateway, reply);
    if (reply.status != 200) return passed_on(reply);
    json answer = json::parse(reply.body, nullptr, false);
    std::string text = answer_text(answer);  // first: it checks the answer's shape
    const std::vector<ToolCall> calls = answer_tool_calls(answer);
    const auto policies =
        judging(stage_policies(context, gateway.config.output_policies), {Turn{"assistant", text, calls}});
    const std::vector<std::string> flagged = judge_answer(context, chat, policies, std::move(text), calls);
    if (!flagged.empty()) {
        json& choice = answer["choices"][0];
        choice["message"]["content"] = "";
        choice["message"].erase("tool_calls");  // a client would execute them
        choice["finish_reason"] = "content_filter";
        answer["arbiter"] = {{"stage", "output"}, {"policies", flagged}};
        if (!calls.empty())
            answer["arbiter"] = {{"stage", "tool_call"},
                                 {"policy", flagged[0]},
                                 {"policies", flagged},
                                 {"tool", calls[0].name}};
    }
    HttpResponse res;
    res.content_type = "application/json";
    res.body = answer.dump(-1, ' ', false, json::error_handler_t::replace);
    return res;
}

// The stream session that judges a streamed answer, with the relay that watches its checks.
std::shared_ptr<ChatRelay> open_relay(ServiceContext& context, StreamSessions& sessions, Gateway& gateway,
                                      const ChatExchange& chat, const std::shared_ptr<BodyStream>& client,
                                      std::string& stream_id) {
    StreamOpen open;
    std::vector<std::string> ids;
    for (const auto& policy : stage_policies(context, gateway.config.output_policies)) {
        if (!policy->judges.text) continue;
        const StreamSettings& st = policy->stream;
        open.policies.push_back(
            {policy, st.check_every_tokens, st.threshold, st.consecutive, st.at_sentence_ends});
        open.reason_at_close.push_back(st.reason_at_close);
        ids.push_back(policy->id);
    }
    if (open.policies.empty()) {
        // No output policy judges text: it goes out as it comes; tool calls are still held.
        auto relay = std::make_shared<ChatRelay>(client, Release::observe, ids);
        relay->set_stream("", [](const std::string&) { return true; });
        return relay;
    }
    open.context = with_answer(chat.conversation, "");
    auto relay = std::make_shared<ChatRelay>(client, gateway.config.release, ids);
    stream_id =
        sessions.open(chat.caller, std::move(open), [relay](const StreamCheck& c) { relay->on_check(c); });
    relay->set_stream(stream_id, [&sessions, caller = chat.caller, stream_id](const std::string& text) {
        try {
            sessions.append(caller, stream_id, text);
            return true;
        } catch (const ServiceError&) {
            return false;  // over the stream's limit: the answer ends unjudged, and unreleased
        }
    });
    return relay;
}

// The streamed answer's tool calls judged, once the upstream is done (none: nothing to judge).
ChatRelay::ToolJudgement judge_tool_calls(ServiceContext& context, const Gateway& gateway,
                                          const ChatExchange& chat, const ChatRelay& relay) {
    ChatRelay::ToolJudgement judgement;
    const std::vector<ToolCall> calls = relay.tool_calls();
    if (calls.empty() || relay.flagged()) return judgement;
    try {
        // The text is the stream session's to judge: here, the policies that judge these calls.
        const auto policies =
            judging(stage_policies(context, gateway.config.output_policies), {Turn{"assistant", "", calls}});
        const std::vector<std::string> flagged = judge_answer(context, chat, policies, relay.answer(), calls);
        if (!flagged.empty()) judgement.flag = {flagged[0], calls[0].name};
    } catch (const std::exception& e) {
        judgement.error = std::string("the answer's tool calls could not be judged: ") + e.what();
    }
    return judgement;
}

// On a relay thread: the upstream's streamed answer into the relay, then the stream's verdict.
void relay_answer(ServiceContext& context, StreamSessions& sessions, Gateway& gateway,
                  const ChatExchange& chat, const std::shared_ptr<ChatRelay>& relay,
                  const std::shared_ptr<BodyStream>& client, const std::string& stream_id,
                  const std::shared_ptr<LateResponse>& later) {
    bool announced = false;
    UpstreamCall call;
    call.on_status = [&](int status, const UpstreamHeaders&) {
        if (status != 200) return;
        announced = true;
        HttpResponse res;
        res.content_type = "text/event-stream";
        res.set_header("Cache-Control", "no-cache");
        res.set_header("X-Request-Id", chat.request_id);
        if (!stream_id.empty()) res.set_header("X-Arbiter-Stream", stream_id);
        res.stream = client;
        later->deliver(std::move(res));
    };
    call.on_bytes = [&](std::string_view bytes) { return !gateway.stopping && relay->feed(bytes); };
    call.abandoned = [&] { return gateway.stopping || client->cancelled(); };
    const UpstreamReply reply =
        traced_chat(gateway.upstream, chat.tracing, "/chat/completions", chat.forwarded, call);
    StreamResult result;  // no session (no output policy judges text): nothing to close
    try {
        if (!stream_id.empty()) result = sessions.close(chat.caller, stream_id);
    } catch (const ServiceError& e) {
        result.ok = false;
        result.error = e.what();
    }
    if (announced) {
        const std::string upstream_error = reply.error == "stopped" ? "" : reply.error;
        // Calls are judged only where the rest passed: otherwise the answer is cut or unjudged anyway.
        const bool passed = result.ok && upstream_error.empty() &&
                            std::none_of(result.verdicts.begin(), result.verdicts.end(),
                                         [](const Verdict& v) { return v.violation.value_or(false); });
        return relay->finish(
            result, upstream_error,
            passed ? judge_tool_calls(context, gateway, chat, *relay) : ChatRelay::ToolJudgement{});
    }
    HttpResponse refusal;
    if (reply.status != 0) {
        refusal = passed_on(reply);
    } else {
        try {
            throw no_answer(gateway, reply);
        } catch (const ServiceError&) {
            refusal = refusal_of_current_exception();
        }
    }
    refusal.set_header("X-Request-Id", chat.request_id);
    later->deliver(std::move(refusal));
}

}  // namespace

void answer_whole(ServiceContext& context, Gateway& gateway, const ChatExchange& chat, HttpResponse& res) {
    auto later = std::make_shared<LateResponse>();
    auto slot = std::make_shared<Slot>(gateway.waiting, gateway.config.max_waiting);
    const bool queued = slot->held() && gateway.waits.try_submit([&context, &gateway, later, slot, chat] {
        HttpResponse answer;
        try {
            answer = whole_answer(context, gateway, chat);
        } catch (const std::exception&) {
            answer = refusal_of_current_exception();
        }
        answer.set_header("X-Request-Id", chat.request_id);
        later->deliver(std::move(answer));
    });
    if (!queued)
        throw ServiceError(Refusal::busy, "the gateway waits for " +
                                              std::to_string(gateway.config.max_waiting) +
                                              " whole answers at once (max_waiting); retry shortly");
    res.later = std::move(later);
}

void answer_streamed(ServiceContext& context, StreamSessions& sessions, Gateway& gateway,
                     const ChatExchange& chat, HttpResponse& res) {
    // A heartbeat finds a client that left while the upstream is quiet, so its request stops.
    auto client = std::make_shared<BodyStream>(size_t{4} << 20, ":\n\n");
    std::string stream_id;
    const std::shared_ptr<ChatRelay> relay = open_relay(context, sessions, gateway, chat, client, stream_id);
    auto later = std::make_shared<LateResponse>();
    auto slot = std::make_shared<Slot>(gateway.active, gateway.config.max_streams);
    const bool queued = slot->held() && gateway.relays.try_submit([&context, &sessions, &gateway, chat, relay,
                                                                   client, stream_id, later, slot] {
        relay_answer(context, sessions, gateway, chat, relay, client, stream_id, later);
    });
    if (!queued) {
        if (!stream_id.empty()) sessions.close(chat.caller, stream_id);
        throw ServiceError(Refusal::busy, "the gateway relays " + std::to_string(gateway.config.max_streams) +
                                              " streamed answers at once; retry shortly");
    }
    res.later = std::move(later);
}

}  // namespace arbiter::service
