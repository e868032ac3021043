#include "streams/chat_relay.h"

#include <algorithm>
#include <chrono>

#include "core/content_json.h"
#include "core/verdict_json.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

std::string sse(const ordered_json& data) {
    return "data: " + to_json_line(data) + "\n\n";
}

// The delta's text of a chunk's first choice ("" when it carries none: a role, a tool call).
std::string delta_text(const nlohmann::json& chunk) {
    if (!chunk.is_object() || !chunk.contains("choices") || !chunk["choices"].is_array() ||
        chunk["choices"].empty())
        return {};
    const nlohmann::json& choice = chunk["choices"][0];
    if (!choice.is_object() || !choice.contains("delta") || !choice["delta"].is_object()) return {};
    const nlohmann::json& content = choice["delta"].value("content", nlohmann::json());
    return content.is_string() ? content.get<std::string>() : std::string();
}

// The tool-call deltas of a chunk's first choice (null when it carries none).
const nlohmann::json* tool_call_deltas(const nlohmann::json& chunk) {
    if (!chunk.is_object() || !chunk.contains("choices") || !chunk["choices"].is_array() ||
        chunk["choices"].empty() || !chunk["choices"][0].is_object())
        return nullptr;
    const nlohmann::json& choice = chunk["choices"][0];
    if (!choice.contains("delta") || !choice["delta"].is_object()) return nullptr;
    const auto calls = choice["delta"].find("tool_calls");
    return calls != choice["delta"].end() && calls->is_array() && !calls->empty() ? &*calls : nullptr;
}

bool finishes(const nlohmann::json& chunk) {
    if (!chunk.is_object()) return false;
    if (chunk.contains("usage") && chunk["usage"].is_object() &&
        (!chunk.contains("choices") || chunk["choices"].empty()))
        return true;
    if (!chunk.contains("choices") || !chunk["choices"].is_array() || chunk["choices"].empty()) return false;
    const nlohmann::json& choice = chunk["choices"][0];
    return choice.is_object() && choice.contains("finish_reason") && !choice["finish_reason"].is_null();
}

}  // namespace

ChatRelay::ChatRelay(std::shared_ptr<BodyStream> client, Release release, std::vector<std::string> policies)
    : client_(std::move(client)),
      release_(release),
      policies_(std::move(policies)),
      passed_(policies_.size(), 0) {}

void ChatRelay::set_stream(std::string id, std::function<bool(const std::string&)> append) {
    const std::lock_guard lock(mutex_);
    stream_id_ = std::move(id);
    append_ = std::move(append);
}

bool ChatRelay::feed(std::string_view bytes) {
    std::vector<std::string> texts;
    std::function<bool(const std::string&)> append;
    {
        const std::lock_guard lock(mutex_);
        if (ended_ || flag_ || client_->cancelled()) return false;
        std::vector<std::string> events;
        try {
            events = parser_.feed(bytes);
        } catch (const std::length_error& e) {
            broken_ = std::string("the upstream's stream is not valid: ") + e.what();
            return false;
        }
        if (events.empty()) keep_alive();
        for (std::string& data : events) {
            if (data == "[DONE]") {  // ours follows the verdict
                complete_ = true;
                continue;
            }
            const nlohmann::json chunk = nlohmann::json::parse(data, nullptr, false);
            if (chunk.is_object()) {
                for (const char* key : {"id", "created", "model", "system_fingerprint"}) {
                    if (chunk.contains(key)) meta_[key] = chunk[key];
                }
            }
            std::string text = delta_text(chunk);
            offset_ += text.size();
            answer_ += text;
            if (!text.empty()) texts.push_back(std::move(text));
            if (!assemble_tool_calls(chunk)) return false;
            if (finishes(chunk)) {
                complete_ = true;
                trailer_.push_back("data: " + data + "\n\n");
            } else if (!calls_.empty()) {
                call_held_.push_back("data: " + data + "\n\n");  // until the calls are judged
            } else {
                held_.push_back({offset_, "data: " + data + "\n\n"});
            }
        }
        if (release_ == Release::observe) release(offset_);
        append = append_;
    }
    // Outside the lock: the session's checks call back into on_check.
    for (const std::string& text : texts) {
        if (!append || !append(text)) {
            const std::lock_guard lock(mutex_);
            unjudged_ = true;
            return false;
        }
    }
    return true;
}

bool ChatRelay::assemble_tool_calls(const nlohmann::json& chunk) {
    const nlohmann::json* deltas = tool_call_deltas(chunk);
    if (deltas == nullptr) return true;
    for (const nlohmann::json& delta : *deltas) {
        const size_t index =
            delta.is_object() && delta.contains("index") && delta["index"].is_number_unsigned()
                ? delta["index"].get<size_t>()
                : calls_.size();
        if (index >= kMaxToolCalls) {
            broken_ = "the upstream's answer has more than " + std::to_string(kMaxToolCalls) + " tool calls";
            return false;
        }
        if (calls_.size() <= index) calls_.resize(index + 1);
        ToolCall& call = calls_[index];
        if (!delta.is_object()) continue;
        if (delta.contains("id") && delta["id"].is_string()) call.id = delta["id"].get<std::string>();
        const nlohmann::json function = delta.value("function", nlohmann::json::object());
        if (!function.is_object()) continue;
        for (const auto& [key, field] : {std::pair{"name", &call.name}, {"arguments", &call.arguments}}) {
            if (!function.contains(key) || !function[key].is_string()) continue;
            const std::string piece = function[key].get<std::string>();
            call_bytes_ += piece.size();
            *field += piece;
        }
        if (call_bytes_ > kMaxContentBytes) {
            broken_ = "the upstream's tool calls are larger than " + std::to_string(kMaxContentBytes / 1024) +
                      " KiB";
            return false;
        }
    }
    return true;
}

std::string ChatRelay::answer() const {
    const std::lock_guard lock(mutex_);
    return answer_;
}

std::vector<ToolCall> ChatRelay::tool_calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
}

bool ChatRelay::flagged() const {
    const std::lock_guard lock(mutex_);
    return flag_.has_value();
}

void ChatRelay::on_check(const StreamCheck& check) {
    const std::lock_guard lock(mutex_);
    if (ended_ || flag_ || check.policy >= passed_.size()) return;
    if (check.state == CheckState::flagged) {
        // Nothing more goes out; the cut itself follows once the stream's verdict is logged.
        flag_ = {policies_[check.policy], check.offset_bytes};
        held_.clear();
        return;
    }
    if (check.state != CheckState::pass) return;
    passed_[check.policy] = std::max(passed_[check.policy], check.offset_bytes);
    if (release_ == Release::hold) release(*std::min_element(passed_.begin(), passed_.end()));
}

void ChatRelay::finish(const StreamResult& result, const std::string& upstream_error,
                       const ToolJudgement& tools) {
    const std::lock_guard lock(mutex_);
    if (ended_) return;
    if (flag_) return cut(flag_->first, flag_->second);
    for (size_t p = 0; p < result.verdicts.size() && p < policies_.size(); ++p) {
        if (result.verdicts[p].violation.value_or(false)) {
            const nlohmann::json& stream = result.json["verdicts"][p]["stream"];
            return cut(policies_[p], stream.value("flagged_at_bytes", offset_));
        }
    }
    if (tools.flag)
        return cut_tool_call(tools.flag->first, tools.flag->second,
                             unjudged_reason(result, upstream_error).empty());
    const std::string why = tools.error.empty() ? unjudged_reason(result, upstream_error) : tools.error;
    if (!why.empty()) {
        // The answer could not be judged whole: what was not released stays unreleased.
        client_->write(sse({{"error",
                             {{"message", why},
                              {"type", "server_error"},
                              {"param", nullptr},
                              {"code", "upstream_error"}}}}));
        return done();
    }
    release(offset_);
    for (const std::string& chunk : call_held_) client_->write(chunk);
    for (const std::string& chunk : trailer_) client_->write(chunk);
    done();
}

std::string ChatRelay::unjudged_reason(const StreamResult& result, const std::string& upstream_error) const {
    if (unjudged_) return "the answer is longer than a stream may be; the rest was not judged";
    if (!broken_.empty()) return broken_;
    if (!upstream_error.empty()) return "upstream: " + upstream_error;
    if (!result.ok) return result.error;
    // A guard says when it could not judge what it relays: a stream cut short, or one whose events
    // never completed (lines that end without the blank line), is no answer.
    if (!complete_)
        return "the upstream's stream ended before its answer did (no finish_reason and no [DONE]): what "
               "it sent could not be judged whole";
    return {};
}

void ChatRelay::keep_alive() {
    // An upstream's keep-alive comments pass on as one of ours, at most once a second: a write is
    // how the transport finds a client that left, so its upstream request stops.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_keep_alive_ < std::chrono::seconds(1)) return;
    last_keep_alive_ = now;
    client_->write(":\n\n");
}

void ChatRelay::release(size_t upto) {
    while (!held_.empty() && held_.front().end <= upto) {
        client_->write(held_.front().sse);
        held_.pop_front();
    }
}

ordered_json ChatRelay::chunk_shell() const {
    ordered_json chunk = {{"id", meta_.value("id", ordered_json("chatcmpl-arbiter"))},
                          {"object", "chat.completion.chunk"},
                          {"created", meta_.value("created", ordered_json(0))},
                          {"model", meta_.value("model", ordered_json(""))}};
    if (meta_.contains("system_fingerprint")) chunk["system_fingerprint"] = meta_["system_fingerprint"];
    return chunk;
}

void ChatRelay::cut(const std::string& policy, size_t offset) {
    held_.clear();
    ordered_json chunk = chunk_shell();
    chunk["choices"] = {
        {{"index", 0}, {"delta", ordered_json::object()}, {"finish_reason", "content_filter"}}};
    chunk["arbiter"] = {{"policy", policy}, {"offset_bytes", offset}, {"stream", stream_id_}};
    client_->write(sse(chunk));
    done();
}

void ChatRelay::cut_tool_call(const std::string& policy, const std::string& tool, bool text_judged) {
    // The text before the calls goes out where it was judged whole and passed; the calls never do.
    if (text_judged) release(offset_);
    held_.clear();
    call_held_.clear();
    ordered_json chunk = chunk_shell();
    chunk["choices"] = {
        {{"index", 0}, {"delta", ordered_json::object()}, {"finish_reason", "content_filter"}}};
    chunk["arbiter"] = {{"stage", "tool_call"}, {"policy", policy}, {"tool", tool}, {"stream", stream_id_}};
    client_->write(sse(chunk));
    done();
}

void ChatRelay::done() {
    client_->write("data: [DONE]\n\n");
    client_->finish();
    ended_ = true;
}

}  // namespace arbiter::service
