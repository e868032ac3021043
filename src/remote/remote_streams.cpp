#include "remote/remote_streams.h"

#include <algorithm>
#include <cstdio>

#include "core/stream_decision.h"
#include "harmony/classification.h"
#include "harmony/stream_inbox.h"
#include "harmony/stream_text.h"
#include "remote/completions_exchange.h"
#include "remote/endpoint_pool.h"

namespace arbiter::remote {

namespace {

using Clock = std::chrono::steady_clock;

std::string seconds(std::chrono::milliseconds ms) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(ms.count()) / 1000.0);
    return buffer;
}

Job check_job(const std::shared_ptr<const Policy>& policy, Content content) {
    Job job;
    job.policy = policy;
    job.content = std::move(content);
    job.mode = Mode::score;
    return job;
}

}  // namespace

struct RemoteStreams::Session {
    StreamId id = 0;
    StreamSpec spec;
    StreamEvents events;
    std::unique_ptr<harmony::StreamText> text;
    std::vector<StreamDecision> decisions;
    harmony::StreamInbox in;  // appends not yet consumed
    bool final_begun = false;
    bool ended = false;
    int in_flight = 0;  // checks sent and not yet answered
    std::optional<std::string> failure;
    std::shared_ptr<StreamPin> pin = std::make_shared<StreamPin>();
    StreamEnd usage;
    std::deque<std::function<void()>> outbox;  // events to emit, in order
    bool delivering = false;
};

RemoteStreams::RemoteStreams(std::shared_ptr<const harmony::Tokenizer> tokenizer, StreamLimits limits,
                             Submit submit)
    : tokenizer_(std::move(tokenizer)), limits_(limits), submit_(std::move(submit)) {
    if (limits_.lanes > 0) reaper_ = std::thread([this] { expire_idle(); });
}

RemoteStreams::~RemoteStreams() {
    shutdown();
}

StreamId RemoteStreams::open(StreamSpec spec, StreamEvents events) {
    check_stream_spec(spec, tokenizer_ ? limits_.lanes : 0, "stream lanes");
    const int wanted = static_cast<int>(spec.policies.size());
    auto s = std::make_shared<Session>();
    s->text = std::make_unique<harmony::StreamText>(*tokenizer_, spec.context);  // throws bad_input
    s->in.bytes = s->text->appended_bytes();
    s->in.partial = s->text->incomplete();
    if (s->in.bytes > limits_.max_bytes)
        throw StreamError(StreamError::Code::limit, "the response is over the stream limit of " +
                                                        std::to_string(limits_.max_bytes) + " bytes");
    for (size_t i = 0; i < spec.policies.size(); ++i) s->decisions.emplace_back(spec.policies[i], i);
    const Job first = check_job(spec.policies.front().policy, spec.context);
    s->pin->affinity = affinity_key(harmony::classification_prompt(first).prefix.str());
    s->spec = std::move(spec);
    s->events = std::move(events);
    std::lock_guard lock(mutex_);
    if (stopping_) throw StreamError(StreamError::Code::unsupported, "the backend is shutting down");
    if (lanes_in_use_ + wanted > limits_.lanes)
        throw StreamError(StreamError::Code::limit,
                          "too many open streams: " + std::to_string(wanted) + " lanes wanted, " +
                              std::to_string(limits_.lanes - lanes_in_use_) + " of " +
                              std::to_string(limits_.lanes) + " free (--streams)");
    lanes_in_use_ += wanted;
    s->id = next_id_++;
    s->usage.stream = s->id;
    sessions_.emplace(s->id, s);
    return s->id;
}

void RemoteStreams::append(StreamId id, std::string_view text) {
    std::shared_ptr<Session> s;
    std::vector<Check> checks;
    {
        std::lock_guard lock(mutex_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end()) ended_.refuse(id);
        s = it->second;
        s->in.take(id, text, limits_.max_bytes);
        checks = advance(s);
    }
    submit_all(std::move(checks));
    deliver(s);
}

void RemoteStreams::close(StreamId id) {
    std::shared_ptr<Session> s;
    std::vector<Check> checks;
    {
        std::lock_guard lock(mutex_);
        const auto it = sessions_.find(id);
        if (it == sessions_.end() || it->second->in.closing)
            throw StreamError(StreamError::Code::ended, "stream " + std::to_string(id) + " is not open");
        s = it->second;
        s->in.closing = true;
        s->in.last_activity = Clock::now();
        checks = advance(s);
    }
    submit_all(std::move(checks));
    deliver(s);
}

std::vector<RemoteStreams::Check> RemoteStreams::advance(const std::shared_ptr<Session>& s) {
    if (s->ended || s->in_flight > 0) return {};
    if (s->failure) {
        finish(*s, s->failure);
        return {};
    }
    while (!s->in.chunks.empty()) {
        try {
            s->text->append(s->in.chunks.front());
        } catch (const StreamError& e) {
            finish(*s, e.what());
            return {};
        }
        const bool sentence_end = ends_sentence(s->in.chunks.front());
        s->in.chunks.pop_front();
        s->text->commit();  // keeps the token count incremental; the ids go with each check
        const int tokens = s->text->response_tokens();
        std::vector<size_t> due;
        for (size_t i = 0; i < s->decisions.size(); ++i) {
            if (s->decisions[i].due(tokens, sentence_end)) due.push_back(i);
        }
        if (!due.empty()) return begin_checks(s, due, false);
    }
    if (!s->in.closing) return {};
    if (!s->final_begun) {
        s->final_begun = true;
        std::vector<size_t> unjudged;
        for (size_t i = 0; i < s->decisions.size(); ++i) {
            if (!s->decisions[i].judged(s->text->checkable_bytes())) unjudged.push_back(i);
        }
        if (!unjudged.empty()) return begin_checks(s, unjudged, true);
    }
    finish(*s, std::nullopt);
    return {};
}

std::vector<RemoteStreams::Check> RemoteStreams::begin_checks(const std::shared_ptr<Session>& s,
                                                              const std::vector<size_t>& lanes, bool final) {
    const Content content = s->text->content();
    const Clock::time_point deadline =
        Clock::now() +
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(limits_.check_timeout_s));
    std::vector<Check> checks;
    for (const size_t lane : lanes) {
        Job job = check_job(s->spec.policies[lane].policy, content);
        job.deadline = deadline;
        if (limits_.context_tokens > 0) {
            // The score's one token follows the prompt.
            const int total = static_cast<int>(completions_prompt(job, *tokenizer_).size()) + 1;
            if (total > limits_.context_tokens) {
                finish(*s, "too long: the stream's prompt is " + std::to_string(total) +
                               " tokens, over the servers' " + std::to_string(limits_.context_tokens) +
                               "-token context (--ctx)");
                return {};
            }
        }
        s->decisions[lane].begin(s->id, s->text->checkable_bytes(), s->text->response_tokens(), final);
        checks.push_back({s, lane, std::move(job)});
    }
    s->in_flight = static_cast<int>(checks.size());
    return checks;
}

void RemoteStreams::submit_all(std::vector<Check> checks) {
    for (Check& c : checks) {
        const Job job = c.job;
        try {
            submit_(
                std::move(c.job),
                [this, session = c.session, lane = c.lane](const Verdict& v) { checked(session, lane, v); },
                c.session->pin);
        } catch (const std::exception& e) {  // its check is answered, so the stream still ends
            checked(c.session, c.lane, failed_verdict(job, e.what()));
        }
    }
}

void RemoteStreams::checked(const std::shared_ptr<Session>& s, size_t lane, const Verdict& v) {
    std::vector<Check> checks;
    {
        std::lock_guard lock(mutex_);
        s->in_flight--;
        if (!s->ended && !s->failure) {
            if (v.status == VerdictStatus::ok && v.probability) {
                const StreamCheck check = s->decisions[lane].record(*v.probability);
                s->usage.prompt_tokens += std::max(0, v.usage.prompt_tokens - v.usage.cached_tokens);
                s->usage.cached_tokens += std::max(0, v.usage.cached_tokens);
                if (s->events.check) s->outbox.emplace_back([check, f = s->events.check] { f(check); });
            } else {
                s->failure = "the check of policy " + s->spec.policies[lane].policy->id +
                             " failed: " + (v.error.empty() ? std::string(to_string(v.status)) : v.error);
            }
        }
        checks = advance(s);
    }
    submit_all(std::move(checks));
    deliver(s);
}

void RemoteStreams::finish(Session& s, std::optional<std::string> error) {
    s.ended = true;
    StreamEnd e = s.usage;
    e.ok = !error;
    e.error = error.value_or("");
    e.response_bytes = s.text->checkable_bytes();
    e.response_tokens = s.text->response_tokens();
    for (const StreamDecision& d : s.decisions) e.policies.push_back(d.result());
    lanes_in_use_ -= static_cast<int>(s.decisions.size());
    ended_.add(s.id, error ? "ended: " + *error : "is closed");
    if (s.events.end)
        s.outbox.emplace_back([e = std::move(e), f = s.events.end]() mutable { f(std::move(e)); });
    sessions_.erase(s.id);
}

void RemoteStreams::deliver(const std::shared_ptr<Session>& s) {
    for (;;) {
        std::deque<std::function<void()>> events;
        {
            std::lock_guard lock(mutex_);
            if (s->delivering || s->outbox.empty()) return;
            s->delivering = true;
            events.swap(s->outbox);
        }
        for (auto& f : events) {
            try {
                f();
            } catch (...) {  // a consumer's exception must not lose the stream's later events
            }
        }
        std::lock_guard lock(mutex_);
        s->delivering = false;
    }
}

void RemoteStreams::expire_idle() {
    const auto poll =
        std::clamp(limits_.idle_timeout / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(200));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        stopping_changed_.wait_for(lock, poll, [&] { return stopping_; });
        if (stopping_) return;
        const Clock::time_point now = Clock::now();
        std::vector<std::shared_ptr<Session>> expired;
        for (const auto& [id, s] : sessions_) {
            if (!s->in.closing && !s->failure && now - s->in.last_activity > limits_.idle_timeout)
                expired.push_back(s);
        }
        for (const auto& s : expired) {
            s->failure = "expired: no append or close for " + seconds(limits_.idle_timeout) + " s";
            advance(s);  // ends it now, or once its checks in flight answer
        }
        lock.unlock();
        for (const auto& s : expired) deliver(s);
        lock.lock();
    }
}

void RemoteStreams::shutdown() {
    std::vector<std::shared_ptr<Session>> sessions;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        for (const auto& [id, s] : sessions_) sessions.push_back(s);
        for (const auto& s : sessions) {
            if (!s->failure) s->failure = "the backend shut down";
            advance(s);
        }
    }
    stopping_changed_.notify_all();
    if (reaper_.joinable()) reaper_.join();
    for (const auto& s : sessions) deliver(s);
}

}  // namespace arbiter::remote
