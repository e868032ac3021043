#include "streams/stream_sessions.h"

#include <algorithm>
#include <chrono>

#include "core/content_json.h"
#include "core/content_layout.h"
#include "core/random_id.h"
#include "core/service_error.h"
#include "core/sha256.h"
#include "core/store_error.h"
#include "core/verdict_json.h"
#include "http/http_reply.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Checks kept per policy in a decision's summary of its series.
constexpr size_t kSeriesPoints = 64;

ServiceError request_error(const StreamError& e, Refusal over_limit) {
    switch (e.code()) {
    case StreamError::Code::unsupported:
        return {Refusal::unavailable, std::string(e.what()) + "; start the server with --streams N"};
    case StreamError::Code::limit:
        return {over_limit, e.what()};
    case StreamError::Code::never_fits:
        return {Refusal::too_large, e.what()};
    case StreamError::Code::unknown:
        return {Refusal::not_found, e.what()};
    case StreamError::Code::ended:
        return {Refusal::conflict, e.what()};
    case StreamError::Code::bad_input:
        break;
    }
    return {Refusal::invalid, e.what()};
}

ordered_json check_json(const Policy& policy, const StreamCheck& c) {
    ordered_json j = {{"policy", policy.id},
                      {"offset_bytes", c.offset_bytes},
                      {"offset_tokens", c.offset_tokens},
                      {"probability", c.probability},
                      {"state", check_state_name(c.state)}};
    if (c.final) j["final"] = true;
    return j;
}

// The context with the response appended: what the stream judged, as one item.
Content judged_content(const Content& context, const std::string& response) {
    Content c = context;
    if (c.kind == ContentKind::conversation) {
        c.turns.back().content += response;
    } else {
        c.response += response;
    }
    return c;
}

// [[offset_bytes, probability], ...]: at most kSeriesPoints evenly spaced checks, the last one and
// the one that flagged always among them.
ordered_json series_json(const std::vector<std::pair<size_t, double>>& series,
                         std::optional<size_t> flagged_at) {
    ordered_json out = ordered_json::array();
    const size_t step = std::max<size_t>(1, (series.size() + kSeriesPoints - 1) / kSeriesPoints);
    for (size_t i = 0; i < series.size(); ++i) {
        const bool kept =
            i % step == 0 || i + 1 == series.size() || (flagged_at && series[i].first == *flagged_at);
        if (kept) out.push_back({series[i].first, series[i].second});
    }
    return out;
}

}  // namespace

struct StreamSessions::Session {
    std::string id;
    std::string owner;
    StreamId backend_id = 0;
    StreamOpen request;
    CheckObserver observer;
    std::string response;             // appended so far
    std::vector<std::string> events;  // SSE text; events[i] is numbered i + 1
    std::vector<std::shared_ptr<BodyStream>> readers;
    std::vector<std::vector<std::pair<size_t, double>>> series;  // per policy
    std::optional<StreamEnd> end;
    bool closing = false;
    size_t closers = 0;      // close() calls waiting for the end: one of them finalizes
    bool reasoning = false;  // a closer is judging the whole text
    bool finalized = false;
    StreamResult result;
    std::condition_variable changed;
};

StreamSessions::StreamSessions(ServiceContext& context, size_t max_ended, size_t max_ended_bytes)
    : context_(context),
      max_ended_(max_ended),
      max_ended_bytes_(max_ended_bytes),
      anchor_(std::make_shared<Anchor>()) {
    anchor_->owner = this;
}

StreamSessions::~StreamSessions() {
    // The backend may still end streams (it shuts down after the server): from now on its
    // callbacks find nobody.
    const std::lock_guard lock(anchor_->mutex);
    anchor_->owner = nullptr;
}

std::string StreamSessions::holder_of(std::string_view id) {
    constexpr std::string_view prefix = "str_";
    if (!id.starts_with(prefix)) return {};
    const std::string_view rest = id.substr(prefix.size());
    const size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return {};
    const std::string_view name = rest.substr(0, dot);
    return is_instance_name(name) ? std::string(name) : std::string();
}

std::string StreamSessions::sse_event(uint64_t id, std::string_view name, const ordered_json& data) {
    return "id: " + std::to_string(id) + "\nevent: " + std::string(name) + "\ndata: " + to_json_line(data) +
           "\n\n";
}

std::string StreamSessions::open(const std::string& owner, StreamOpen request, CheckObserver observer) {
    StreamBackend& backend = context_.streams();  // 503 while the model loads, or without streams
    auto s = std::make_shared<Session>();
    s->id = random_id("str_" + context_.config.instance + ".");
    s->owner = owner;
    s->observer = std::move(observer);
    s->series.resize(request.policies.size());
    s->request = std::move(request);
    StreamEvents events;
    const std::weak_ptr<Session> weak = s;
    events.check = [anchor = anchor_, weak](const StreamCheck& c) {
        const std::lock_guard lock(anchor->mutex);
        const auto session = weak.lock();
        if (anchor->owner && session) anchor->owner->on_check(session, c);
    };
    events.end = [anchor = anchor_, weak](StreamEnd e) {
        const std::lock_guard lock(anchor->mutex);
        const auto session = weak.lock();
        if (anchor->owner && session) anchor->owner->on_end(session, std::move(e));
    };
    {
        const std::lock_guard lock(mutex_);
        sessions_.emplace(s->id, s);
    }
    try {
        const StreamId backend_id =
            backend.open_stream({s->request.policies, s->request.context}, std::move(events));
        const std::lock_guard lock(mutex_);
        s->backend_id = backend_id;
    } catch (const StreamError& e) {
        const std::lock_guard lock(mutex_);
        sessions_.erase(s->id);
        throw request_error(e, Refusal::busy);
    }
    return s->id;
}

std::shared_ptr<StreamSessions::Session> StreamSessions::find(const std::string& owner,
                                                              const std::string& id) {
    const std::lock_guard lock(mutex_);
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) {
        // A stream lives in the process that opened it: say which one, so that a load balancer
        // (or the client) can send the request there.
        const std::string holder = holder_of(id);
        if (!holder.empty() && holder != context_.config.instance)
            throw ServiceError(Refusal::misdirected, "stream '" + id + "' is held by instance '" + holder +
                                                         "', not this one ('" + context_.config.instance +
                                                         "'): send its requests there");
    }
    // Another key's stream is answered as none, so that ids cannot be probed.
    if (it == sessions_.end() || it->second->owner != owner)
        throw ServiceError(Refusal::not_found, "no stream '" + id + "'");
    return it->second;
}

size_t StreamSessions::append(const std::string& owner, const std::string& id, std::string_view text) {
    const std::shared_ptr<Session> s = find(owner, id);
    StreamId backend_id = 0;
    {
        const std::lock_guard lock(mutex_);
        if (s->end || s->closing)
            throw ServiceError(Refusal::conflict, "stream '" + id + "' " +
                                                      (s->closing ? "is closed" : "has ended: ") +
                                                      (s->end ? s->end->error : ""));
        backend_id = s->backend_id;
        // Before the backend has it: a backend may end the stream inside append_stream, and the
        // logged content must hold the text that ended it.
        s->response.append(text);
    }
    try {
        context_.streams().append_stream(backend_id, text);
    } catch (const StreamError& e) {
        const std::lock_guard lock(mutex_);
        if (s->response.size() >= text.size()) s->response.resize(s->response.size() - text.size());
        throw request_error(e, Refusal::too_large);
    }
    const std::lock_guard lock(mutex_);
    return s->response.size();
}

void StreamSessions::subscribe(const std::string& owner, const std::string& id, std::optional<uint64_t> after,
                               const std::shared_ptr<BodyStream>& body) {
    const std::shared_ptr<Session> s = find(owner, id);
    const std::lock_guard lock(mutex_);
    const size_t from = std::min<uint64_t>(after.value_or(0), s->events.size());
    for (size_t i = from; i < s->events.size(); ++i) body->write(s->events[i]);
    if (s->finalized) return body->finish();
    s->readers.push_back(body);
}

StreamResult StreamSessions::close(const std::string& owner, const std::string& id) {
    const std::shared_ptr<Session> s = find(owner, id);
    StreamBackend& backend = context_.streams();  // unavailable while loading: before this closer counts
    std::unique_lock lock(mutex_);
    ++s->closers;  // from here on, the end waits for this closer (or its giving up) to finalize
    if (!s->closing && !s->end) {
        s->closing = true;
        const StreamId backend_id = s->backend_id;
        lock.unlock();
        try {
            backend.close_stream(backend_id);
        } catch (const StreamError&) {
            // It ended meanwhile (expired, failed): its end is here or on its way.
        }
        lock.lock();
    }
    s->closing = true;
    const auto ready = [&] { return s->finalized || (s->end && !s->reasoning); };
    const bool ended =
        s->changed.wait_until(lock, Clock::now() + context_.settings()->request_timeout, ready);
    --s->closers;
    if (!ended) {
        // The stream still ends: its end (on_end, with no closer left waiting) finalizes it, so its
        // readers get the end event and the log its rows; a later close returns them.
        throw ServiceError(Refusal::timed_out,
                           "stream '" + id + "' did not end within " +
                               std::to_string(context_.settings()->request_timeout.count()) +
                               " ms; it is closing, and its verdicts are logged when it ends (close "
                               "again or read its events for them)");
    }
    if (s->finalized) return s->result;

    std::vector<std::optional<Verdict>> reasoned(s->request.policies.size());
    std::vector<Job> jobs;
    std::vector<size_t> asked;  // the policy of each job
    for (size_t p = 0; s->end->ok && p < s->request.policies.size(); ++p) {
        if (!s->request.reason_at_close[p]) continue;
        Job job;
        job.policy = s->request.policies[p].policy;
        job.content = judged_content(s->request.context, s->response);
        job.mode = Mode::reason;
        jobs.push_back(std::move(job));
        asked.push_back(p);
    }
    if (!jobs.empty()) {
        s->reasoning = true;
        lock.unlock();
        std::optional<std::vector<Verdict>> verdicts =
            context_.runner().run(jobs, Clock::now() + context_.settings()->request_timeout);
        if (!verdicts) {
            verdicts.emplace();
            for (const Job& job : jobs)
                verdicts->push_back(failed_verdict(job, "the queue was full at close"));
        }
        for (size_t k = 0; k < asked.size(); ++k) reasoned[asked[k]] = std::move((*verdicts)[k]);
        lock.lock();
        s->reasoning = false;
    }
    finalize(*s, reasoned);
    s->changed.notify_all();
    return s->result;
}

void StreamSessions::on_check(const std::shared_ptr<Session>& s, const StreamCheck& check) {
    CheckObserver observer;
    {
        const std::lock_guard lock(mutex_);
        if (check.policy >= s->series.size()) return;
        s->series[check.policy].emplace_back(check.offset_bytes, check.probability);
        publish(*s, "check", check_json(*s->request.policies[check.policy].policy, check));
        observer = s->observer;
    }
    if (observer) observer(check);
}

void StreamSessions::on_end(const std::shared_ptr<Session>& s, StreamEnd end) {
    const std::lock_guard lock(mutex_);
    s->end = std::move(end);
    // A waiting closer finalizes (and may reason first); an expired or failed stream, or one whose
    // closer gave up waiting, has none.
    if (s->closers == 0) finalize(*s, {});
    s->changed.notify_all();
}

void StreamSessions::finalize(Session& s, const std::vector<std::optional<Verdict>>& reasoned) {
    const StreamEnd& e = *s.end;
    const Content judged = judged_content(s.request.context, s.response);
    const std::string content_json = content_to_json(judged).dump();
    const std::string content_hash = sha256_hex(user_message(judged));
    std::vector<storage::Decision> decisions;
    ordered_json verdicts = ordered_json::array();
    ordered_json flagged = ordered_json::array();
    for (size_t p = 0; p < s.request.policies.size(); ++p) {
        const Policy& policy = *s.request.policies[p].policy;
        Verdict v = verdict_for(policy);
        const StreamPolicyResult* r = p < e.policies.size() ? &e.policies[p] : nullptr;
        if (e.ok && r) {
            v.status = VerdictStatus::ok;
            v.violation = r->flagged;
            v.probability = r->final_probability;
        } else {
            v.error = e.error.empty() ? "the stream ended without a verdict" : e.error;
        }
        const Verdict* reason = p < reasoned.size() && reasoned[p] ? &*reasoned[p] : nullptr;
        if (reason) {
            v.rationale = reason->rationale;
            v.answer_rationale = reason->answer_rationale;
            v.category = reason->category;
            v.rule_ids = reason->rule_ids;
            v.confidence = reason->confidence;
            v.usage = reason->usage;
            if (v.violation && reason->violation) v.violation = *v.violation || *reason->violation;
        }
        if (v.violation.value_or(false)) flagged.push_back(policy.id);
        ordered_json j = verdict_to_json(s.id, v);
        ordered_json summary = {{"checks", r ? r->checks : 0},
                                {"max_probability", r ? r->max_probability : 0.0},
                                {"final_probability", r ? r->final_probability : 0.0},
                                {"flagged", r && r->flagged}};
        if (r && r->flagged_at_bytes) summary["flagged_at_bytes"] = *r->flagged_at_bytes;
        summary["series"] = series_json(s.series[p], r ? r->flagged_at_bytes : std::nullopt);
        if (reason) {
            summary["reasoned"] = {{"status", to_string(reason->status)}};
            if (reason->violation) summary["reasoned"]["violation"] = *reason->violation;
            if (!reason->error.empty()) summary["reasoned"]["error"] = reason->error;
        }
        j["stream"] = std::move(summary);
        context_.metrics.verdict(v, policy.id);
        decisions.push_back({.request_id = s.id,
                             .item_id = s.id,
                             .content_json = content_json,
                             .content_sha256 = content_hash,
                             .mode = "stream",
                             .policy_sha256 = sha256_hex(policy.text),
                             .verdict = v,
                             .verdict_json = j});
        verdicts.push_back(std::move(j));
        s.result.verdicts.push_back(std::move(v));
    }
    s.result.ok = e.ok;
    s.result.error = e.error;
    try {
        context_.log.record(decisions);
    } catch (const StoreError& error) {
        s.result.ok = false;
        s.result.error = std::string("the decision log could not be written: ") + error.what();
    }
    ordered_json& j = s.result.json;
    j = {{"id", s.id}, {"object", "stream.end"}, {"status", s.result.ok ? "ok" : "error"}};
    if (!s.result.error.empty()) j["error"] = s.result.error;
    j["flagged"] = flagged;
    j["verdicts"] = verdicts;
    j["usage"] = {{"prompt_tokens", e.prompt_tokens},
                  {"cached_tokens", e.cached_tokens},
                  {"response_tokens", e.response_tokens},
                  {"response_bytes", e.response_bytes}};
    publish(s, "end", j);
    s.finalized = true;
    retire(s);
}

void StreamSessions::publish(Session& s, std::string_view name, const ordered_json& data) {
    s.events.push_back(sse_event(s.events.size() + 1, name, data));
    const bool last = name == "end";
    std::erase_if(s.readers, [&](const std::shared_ptr<BodyStream>& reader) {
        // A reader that left (or cannot keep up) is dropped; the others go on.
        if (!reader->write(s.events.back())) return true;
        if (last) reader->finish();
        return last;
    });
}

void StreamSessions::retire(const Session& s) {
    size_t bytes = 0;
    for (const std::string& event : s.events) bytes += event.size();
    ended_.emplace_back(s.id, bytes);
    ended_bytes_ += bytes;
    // The oldest go first; the one just ended stays, so its closer and readers find it.
    while (ended_.size() > 1 && (ended_.size() > max_ended_ || ended_bytes_ > max_ended_bytes_)) {
        sessions_.erase(ended_.front().first);
        ended_bytes_ -= ended_.front().second;
        ended_.pop_front();
    }
}

}  // namespace arbiter::service
