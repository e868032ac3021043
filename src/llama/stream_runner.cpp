#include "llama/stream_runner.h"

#include <algorithm>
#include <cstdio>

#include "core/stream_decision.h"
#include "harmony/classification.h"
#include "harmony/stream_text.h"
#include "llama/engine_context.h"
#include "llama/score.h"

namespace arbiter::engine {

namespace {

std::string seconds(std::chrono::milliseconds ms) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(ms.count()) / 1000.0);
    return buffer;
}

}  // namespace

struct StreamRunner::Lane {
    int seq = 0;
    size_t policy = 0;
    harmony::Prompt prefix;
    std::vector<llama_token> suffix;  // the item after its text: the score-mode assistant header
    int n_past = 0;                   // tokens that stay in the sequence
    std::vector<llama_token> feed;    // for the next decodes: commits, then maybe a probe
    size_t fed = 0;
    size_t keep = 0;  // how many of `feed` are commits
    bool probing = false;
    int batch_index = -1;
    int evaluated = 0;  // tokens put through llama_decode
    std::optional<StreamDecision> decision;
};

struct StreamRunner::Session {
    StreamId id = 0;
    StreamSpec spec;
    StreamEvents events;
    std::unique_ptr<harmony::StreamText> text;
    std::vector<Lane> lanes;
    std::deque<std::string> chunks;  // taken from the inbox, not yet consumed
    bool closing = false;
    bool started = false;
    bool final_scheduled = false;
    std::optional<std::string> failure;
    StreamEnd usage;
    bool in_flight() const {
        return std::any_of(lanes.begin(), lanes.end(), [](const Lane& l) { return l.probing; });
    }
    bool feeding() const {
        return std::any_of(lanes.begin(), lanes.end(), [](const Lane& l) { return l.fed < l.feed.size(); });
    }
};

StreamRunner::StreamRunner(llama_context* ctx, const Model& model, const EngineOptions& options, Hooks hooks)
    : ctx_(ctx),
      model_(model),
      first_seq_(sequence_count(options) - options.streams),
      n_swa_(llama_model_n_swa(model.get())),
      limits_{options.streams, options.context, options.stream_max_bytes,
              std::chrono::milliseconds(options.stream_idle_timeout_ms)},
      hooks_(std::move(hooks)),
      zero_(single_token(model.tokens(), "0")),
      one_(single_token(model.tokens(), "1")),
      seq_free_(static_cast<size_t>(options.streams), true) {}

StreamRunner::~StreamRunner() = default;

StreamId StreamRunner::open(StreamSpec spec, StreamEvents events) {
    check_stream_spec(spec, limits_.sequences, "sequences");
    auto s = std::make_unique<Session>();
    s->text = std::make_unique<harmony::StreamText>(model_.tokens(), spec.context);  // throws bad_input
    if (s->text->appended_bytes() > limits_.max_bytes)
        throw StreamError(StreamError::Code::limit, "the response is over the stream limit of " +
                                                        std::to_string(limits_.max_bytes) + " bytes");
    for (size_t i = 0; i < spec.policies.size(); ++i) {
        Job job;
        job.policy = spec.policies[i].policy;
        job.content = spec.context;
        job.mode = Mode::score;
        const harmony::ClassificationPrompt prompt = harmony::classification_prompt(job);
        Lane lane;
        lane.policy = i;
        lane.prefix = prompt.prefix;
        harmony::Prompt suffix;
        for (size_t k = 1; k < prompt.item.pieces().size(); ++k) {
            const harmony::Piece& piece = prompt.item.pieces()[k];
            piece.special ? suffix.special(piece.text) : suffix.text(piece.text);
        }
        lane.suffix = model_.tokens().tokenize(suffix);
        lane.decision.emplace(spec.policies[i], i);
        s->lanes.push_back(std::move(lane));
    }
    s->spec = std::move(spec);
    s->events = std::move(events);
    StreamId id = 0;
    {
        std::lock_guard lock(mutex_);
        const auto free = static_cast<size_t>(std::count(seq_free_.begin(), seq_free_.end(), true));
        if (free < s->lanes.size()) {
            throw StreamError(StreamError::Code::limit,
                              "too many open streams: " + std::to_string(s->lanes.size()) +
                                  " sequences wanted, " + std::to_string(free) + " of " +
                                  std::to_string(limits_.sequences) + " free (--streams)");
        }
        for (Lane& lane : s->lanes) {
            const auto it = std::find(seq_free_.begin(), seq_free_.end(), true);
            *it = false;
            lane.seq = first_seq_ + static_cast<int>(it - seq_free_.begin());
        }
        id = s->id = next_id_++;
        harmony::StreamInbox& in = inbox_[id];
        in.bytes = s->text->appended_bytes();
        in.partial = s->text->incomplete();
        in.last_activity = Clock::now();
        opened_.push_back(std::move(s));
        dirty_ = true;
    }
    hooks_.wake();
    return id;
}

void StreamRunner::append(StreamId id, std::string_view text) {
    {
        std::lock_guard lock(mutex_);
        const auto it = inbox_.find(id);
        if (it == inbox_.end()) ended_.refuse(id);
        it->second.take(id, text, limits_.max_bytes);
        dirty_ = true;
    }
    hooks_.wake();
}

void StreamRunner::close(StreamId id) {
    {
        std::lock_guard lock(mutex_);
        const auto it = inbox_.find(id);
        if (it == inbox_.end() || it->second.closing) {
            throw StreamError(StreamError::Code::ended, "stream " + std::to_string(id) + " is not open");
        }
        it->second.closing = true;
        it->second.last_activity = Clock::now();
        dirty_ = true;
    }
    hooks_.wake();
}

bool StreamRunner::has_work() const {
    std::lock_guard lock(mutex_);
    return dirty_ || busy_;
}

std::optional<StreamRunner::Clock::time_point> StreamRunner::next_expiry() const {
    std::lock_guard lock(mutex_);
    std::optional<Clock::time_point> next;
    for (const auto& [id, in] : inbox_) {
        if (in.closing) continue;
        const Clock::time_point t = in.last_activity + limits_.idle_timeout;
        if (!next || t < *next) next = t;
    }
    return next;
}

void StreamRunner::service() {
    std::vector<StreamId> expired;
    {
        std::lock_guard lock(mutex_);
        for (auto& s : opened_) sessions_.emplace(s->id, std::move(s));
        opened_.clear();
        const Clock::time_point now = Clock::now();
        for (auto& [id, in] : inbox_) {
            const auto it = sessions_.find(id);
            if (it == sessions_.end()) continue;
            Session& s = *it->second;
            while (!in.chunks.empty()) {
                s.chunks.push_back(std::move(in.chunks.front()));
                in.chunks.pop_front();
            }
            s.closing = in.closing;
            if (!in.closing && now - in.last_activity > limits_.idle_timeout) expired.push_back(id);
        }
        dirty_ = false;
    }
    for (StreamId id : expired) {
        end(*sessions_.at(id), "expired: no append or close for " + seconds(limits_.idle_timeout) + " s");
    }
    for (auto it = sessions_.begin(); it != sessions_.end();) {
        Session& s = *it->second;
        ++it;  // `end` erases the session
        if (s.failure) {
            end(s, s.failure);
            continue;
        }
        if (s.feeding() || s.in_flight()) continue;
        if (!s.started) start(s);
        if (s.failure) {
            end(s, s.failure);
            continue;
        }
        const bool due = consume(s);
        if (s.failure) {  // now, not at the next wake: nothing else may come
            end(s, s.failure);
            continue;
        }
        if (!due && s.closing && s.chunks.empty()) {
            if (!s.final_scheduled) {
                s.final_scheduled = true;
                for (Lane& lane : s.lanes) {
                    if (!lane.decision->judged(s.text->checkable_bytes())) schedule_check(s, lane, true);
                }
            }
            if (!s.in_flight()) end(s, std::nullopt);
        }
    }
    bool busy = false;
    for (const auto& [id, s] : sessions_) busy = busy || s->feeding() || !s->chunks.empty();
    {
        std::lock_guard lock(mutex_);
        busy_ = busy;
    }
    emit_events();
}

void StreamRunner::start(Session& s) {
    s.started = true;
    llama_memory_t memory = llama_get_memory(ctx_);
    for (Lane& lane : s.lanes) {
        int tokens = 0;
        bool cached = false;
        std::optional<int> source;
        try {
            source = hooks_.prefix(lane.prefix, tokens, cached);
        } catch (const std::exception& e) {
            s.failure = e.what();
            return;
        }
        if (source) {
            llama_memory_seq_cp(memory, *source, lane.seq, -1, -1);
            lane.n_past = tokens;
            (cached ? s.usage.cached_tokens : s.usage.prompt_tokens) += tokens;
        } else {
            lane.feed = model_.tokens().tokenize(lane.prefix);
            lane.keep = lane.feed.size();
        }
    }
    const std::vector<llama_token> head = s.text->commit();
    for (Lane& lane : s.lanes) {
        lane.feed.insert(lane.feed.end(), head.begin(), head.end());
        lane.keep = lane.feed.size();
    }
}

// Consumes chunks until one brings a check due; false when none was left.
bool StreamRunner::consume(Session& s) {
    while (!s.chunks.empty()) {
        try {
            s.text->append(s.chunks.front());
        } catch (const StreamError& e) {
            s.failure = e.what();
            return true;
        }
        const bool sentence_end = ends_sentence(s.chunks.front());
        s.chunks.pop_front();
        const std::vector<llama_token> ids = s.text->commit();
        const int tokens = s.text->response_tokens();
        bool due = false;
        for (Lane& lane : s.lanes) {
            lane.feed.insert(lane.feed.end(), ids.begin(), ids.end());
            lane.keep = lane.feed.size();
            if (lane.decision->due(tokens, sentence_end)) {
                schedule_check(s, lane, false);
                due = true;
            }
        }
        if (due) return true;
    }
    return false;
}

void StreamRunner::schedule_check(Session& s, Lane& lane, bool final) {
    const std::vector<llama_token> probe = s.text->probe_tokens();
    lane.keep = lane.feed.size();
    lane.feed.insert(lane.feed.end(), probe.begin(), probe.end());
    lane.feed.insert(lane.feed.end(), lane.suffix.begin(), lane.suffix.end());
    lane.probing = true;
    lane.decision->begin(s.id, s.text->checkable_bytes(), s.text->response_tokens(), final);
    const int total = lane.n_past + static_cast<int>(lane.feed.size() - lane.fed);
    if (total > limits_.context) {
        s.failure = "too long: the stream's prompt is " + std::to_string(total) + " tokens, over the " +
                    std::to_string(limits_.context) + "-token context per sequence (--ctx)";
        lane.feed.clear();
        lane.fed = 0;
        lane.probing = false;
    }
}

int StreamRunner::fill(llama_batch& batch, int room) {
    std::vector<Lane*> lanes;
    for (auto& [id, s] : sessions_) {
        if (s->failure) continue;
        for (Lane& lane : s->lanes) {
            lane.batch_index = -1;
            if (lane.fed < lane.feed.size()) lanes.push_back(&lane);
        }
    }
    // In sequence order: see EmbeddedEngine's decode_step for why.
    std::sort(lanes.begin(), lanes.end(), [](const Lane* a, const Lane* b) { return a->seq < b->seq; });
    int added = 0;
    for (Lane* lane : lanes) {
        const int n = std::min(room - added, static_cast<int>(lane->feed.size() - lane->fed));
        if (n <= 0) break;
        for (int i = 0; i < n; ++i) {
            const int k = batch.n_tokens++;
            batch.token[k] = lane->feed[lane->fed];
            batch.pos[k] = lane->n_past + static_cast<int>(lane->fed);
            batch.n_seq_id[k] = 1;
            batch.seq_id[k][0] = lane->seq;
            batch.logits[k] = false;
            ++lane->fed;
        }
        added += n;
        lane->evaluated += n;
        if (lane->fed == lane->feed.size() && lane->probing) {
            batch.logits[batch.n_tokens - 1] = true;
            lane->batch_index = batch.n_tokens - 1;
        }
    }
    return added;
}

void StreamRunner::after_decode(bool ok) {
    llama_memory_t memory = llama_get_memory(ctx_);
    for (auto& [id, sp] : sessions_) {
        Session& s = *sp;
        for (Lane& lane : s.lanes) {
            if (lane.feed.empty() || lane.fed < lane.feed.size()) continue;
            if (!ok) {
                s.failure = "llama_decode failed";
                continue;
            }
            lane.n_past += static_cast<int>(lane.keep);
            const bool probed = lane.probing;
            lane.feed.clear();
            lane.fed = lane.keep = 0;
            lane.probing = false;
            if (!probed) continue;
            const double p = violation_probability(llama_get_logits_ith(ctx_, lane.batch_index), zero_, one_);
            llama_memory_seq_rm(memory, lane.seq, lane.n_past, -1);
            // The next token attends to the window before it: it must still be there (see the
            // header). llama-server checks its prompt cache the same way; -1 means no cell left.
            const llama_pos pos_min = llama_memory_seq_pos_min(memory, lane.seq);
            const int needed = std::max(0, lane.n_past - n_swa_);
            if (n_swa_ > 0 && lane.n_past > 0 && (pos_min < 0 || pos_min > needed)) {
                s.failure = "the sliding-window cache lost cells the stream needs (the oldest left is " +
                            std::to_string(pos_min) + ", " + std::to_string(needed) + " is needed)";
                continue;
            }
            const StreamCheck check = lane.decision->record(p);
            if (s.events.check) {
                events_.push_back([check, f = s.events.check] { f(check); });
            }
        }
    }
    emit_events();
}

void StreamRunner::end(Session& s, std::optional<std::string> error) {
    llama_memory_t memory = llama_get_memory(ctx_);
    StreamEnd e = s.usage;
    e.stream = s.id;
    e.ok = !error;
    e.error = error.value_or("");
    e.response_bytes = s.text->checkable_bytes();
    e.response_tokens = s.text->response_tokens();
    for (Lane& lane : s.lanes) {
        llama_memory_seq_rm(memory, lane.seq, -1, -1);
        e.prompt_tokens += lane.evaluated;
        e.policies.push_back(lane.decision->result());
    }
    {
        std::lock_guard lock(mutex_);
        for (const Lane& lane : s.lanes) seq_free_[static_cast<size_t>(lane.seq - first_seq_)] = true;
        inbox_.erase(s.id);
        ended_.add(s.id, error ? "ended: " + *error : "is closed");
    }
    if (s.events.end) events_.push_back([e = std::move(e), f = s.events.end]() mutable { f(std::move(e)); });
    sessions_.erase(s.id);
}

void StreamRunner::emit_events() {
    std::vector<std::function<void()>> events;
    events.swap(events_);
    for (auto& f : events) f();
}

void StreamRunner::shutdown() {
    {
        std::lock_guard lock(mutex_);
        for (auto& s : opened_) sessions_.emplace(s->id, std::move(s));
        opened_.clear();
    }
    while (!sessions_.empty()) end(*sessions_.begin()->second, "the engine shut down");
    emit_events();
}

}  // namespace arbiter::engine
