#include "llama/embedded_engine.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_set>

#include "core/content_layout.h"
#include "harmony/classification.h"
#include "harmony/content_room.h"
#include "llama/engine_context.h"
#include "llama/job_spans.h"
#include "llama/model.h"
#include "llama/prefix_cache.h"
#include "llama/sampler.h"
#include "llama/score.h"
#include "llama/stream_runner.h"
#include "llama/thread_governor.h"

namespace arbiter::engine {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

class EmbeddedEngine::Impl {
public:
    explicit Impl(const EngineOptions& options);
    ~Impl();

    JobId submit(Job job, Done done);
    void cancel(JobId id);
    const PromptTokens& tokens() const { return model_->tokens(); }
    StreamRunner& streams() { return *streams_; }
    std::optional<int> content_room(const Job& job) const;
    // The most tokens `job` may generate: the reasoning budget, the final channel's header the
    // engine writes, and the longest answer (none in score mode).
    int generated_at_most(const harmony::Classification& job) const {
        return job.scoring()
                   ? 0
                   : job.reasoning_budget() + static_cast<int>(final_header_.size()) + job.answer_cap();
    }
    Stats stats() const {
        std::lock_guard lock(mutex_);
        return stats_;
    }

private:
    enum class Phase { idle, prompt, analysis, answer };

    struct Queued {
        JobId id;
        Job job;
        Done done;
        Clock::time_point submitted;
    };

    // One item sequence and the job running in it.
    struct Slot {
        int seq = 0;
        Phase phase = Phase::idle;
        JobId id = 0;
        std::optional<harmony::Classification> job;  // the protocol's state; empty when idle
        Done done;
        Clock::time_point submitted;
        std::vector<llama_token> pending;  // fed at the next decode: prompt rest or the last sample
        int n_past = 0;
        int batch_index = -1;  // where this slot's logits are in the last batch
        SamplerPtr sampler;
        JobTimes times;  // its steps, for its trace's spans
    };

    void run();
    void start_streams();
    void admit(Queued q, Slot& slot);
    int evaluate_prefix(const std::string& key, const std::vector<llama_token>& tokens);
    bool decode_step();
    // llama_decode of batch_, with the threads the governor gives it.
    int decode();
    void after_decode(Slot& slot);
    void start_answer(Slot& slot);
    void finish(Slot& slot, Verdict verdict);
    std::optional<Stop> should_stop(const Slot& slot);

    EngineOptions options_;
    std::unique_ptr<Model> model_;
    ContextPtr ctx_;
    llama_batch batch_{};
    std::vector<Slot> slots_;
    std::unique_ptr<PrefixCache> prefixes_;
    std::unique_ptr<StreamRunner> streams_;
    llama_token zero_ = 0;
    llama_token one_ = 0;
    std::vector<llama_token> final_header_;         // harmony::final_channel_header()
    std::vector<llama_logit_bias> control_tokens_;  // banned from answers
    ThreadGovernor governor_;
    int threads_ = 0;  // what llama.cpp was last told

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Queued> queue_;
    std::unordered_set<JobId> cancelled_;
    JobId next_id_ = 1;
    bool stopping_ = false;
    Stats stats_;
    std::thread worker_;
};

EmbeddedEngine::Impl::Impl(const EngineOptions& options)
    : options_(options), governor_(options.threads, static_cast<int>(std::thread::hardware_concurrency())) {
    check_options(options);
    model_ = Model::load(options.model, {.vocab_only = false, .gpu_layers = options.gpu_layers});
    const PromptTokens& tokens = model_->tokens();

    threads_ = governor_.threads();
    ctx_ = make_context(*model_, options, threads_);

    zero_ = single_token(tokens, "0");
    one_ = single_token(tokens, "1");
    final_header_ = tokens.tokenize(harmony::final_channel_header());
    control_tokens_ = control_token_bans(model_->vocab());

    batch_ = llama_batch_init(options.batch, 0, 1);
    slots_.resize(static_cast<size_t>(options.parallel));
    for (int i = 0; i < options.parallel; ++i) slots_[static_cast<size_t>(i)].seq = i;
    if (options.share_prefix)
        prefixes_ = std::make_unique<PrefixCache>(options.parallel, options.prefix_slots);
    start_streams();
    worker_ = std::thread([this] { run(); });
}

void EmbeddedEngine::Impl::start_streams() {
    const auto prefix = [this](const harmony::Prompt& p, int& n, bool& cached) -> std::optional<int> {
        if (!prefixes_) return std::nullopt;
        const std::string key = p.str();
        const std::optional<int> found = prefixes_->find(key);
        cached = found.has_value();
        const int seq = found ? *found : evaluate_prefix(key, tokens().tokenize(p));
        n = prefixes_->tokens(seq);
        return seq;
    };
    const auto wake = [this] {
        std::lock_guard lock(mutex_);
        wake_.notify_all();
    };
    streams_ =
        std::make_unique<StreamRunner>(ctx_.get(), *model_, options_, StreamRunner::Hooks{prefix, wake});
}

EmbeddedEngine::Impl::~Impl() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
    llama_batch_free(batch_);
}

JobId EmbeddedEngine::Impl::submit(Job job, Done done) {
    if (!job.policy) throw std::invalid_argument("a job needs a policy");
    JobId id = 0;
    {
        std::lock_guard lock(mutex_);
        id = next_id_++;
        queue_.push_back({id, std::move(job), std::move(done), Clock::now()});
    }
    wake_.notify_all();
    return id;
}

void EmbeddedEngine::Impl::cancel(JobId id) {
    {
        std::lock_guard lock(mutex_);
        cancelled_.insert(id);
    }
    wake_.notify_all();
}

void EmbeddedEngine::Impl::finish(Slot& slot, Verdict verdict) {
    llama_memory_seq_rm(llama_get_memory(ctx_.get()), slot.seq, -1, -1);
    verdict.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - slot.submitted).count();
    Done done = std::move(slot.done);
    {
        std::lock_guard lock(mutex_);
        cancelled_.erase(slot.id);
        stats_.generated_tokens += static_cast<uint64_t>(verdict.usage.completion_tokens);
    }
    report_job_spans(slot.job ? slot.job->job().tracing : Tracing{}, slot.times, verdict, unix_nanos());
    const int seq = slot.seq;
    slot = Slot{};
    slot.seq = seq;
    if (done) done(std::move(verdict));
}

std::optional<Stop> EmbeddedEngine::Impl::should_stop(const Slot& slot) {
    if (past_deadline(slot.job->job())) return Stop::deadline;
    std::lock_guard lock(mutex_);
    if (cancelled_.contains(slot.id)) return Stop::cancelled;
    if (stopping_) return Stop::shutdown;
    return std::nullopt;
}

int EmbeddedEngine::Impl::decode() {
    if (const int n = governor_.threads(); n != threads_) llama_set_n_threads(ctx_.get(), threads_ = n, n);
    return llama_decode(ctx_.get(), batch_);
}

int EmbeddedEngine::Impl::evaluate_prefix(const std::string& key, const std::vector<llama_token>& tokens) {
    const PrefixCache::Claim claim = prefixes_->claim();
    llama_memory_t memory = llama_get_memory(ctx_.get());
    if (claim.evicted) llama_memory_seq_rm(memory, claim.seq, -1, -1);
    prefixes_->forget(claim.seq);
    for (size_t start = 0; start < tokens.size(); start += static_cast<size_t>(options_.batch)) {
        const size_t n = std::min(tokens.size() - start, static_cast<size_t>(options_.batch));
        batch_.n_tokens = 0;
        for (size_t i = 0; i < n; ++i) {
            const int k = batch_.n_tokens++;
            batch_.token[k] = tokens[start + i];
            batch_.pos[k] = static_cast<llama_pos>(start + i);
            batch_.n_seq_id[k] = 1;
            batch_.seq_id[k][0] = claim.seq;
            batch_.logits[k] = false;
        }
        if (decode() != 0) {
            llama_memory_seq_rm(memory, claim.seq, -1, -1);
            throw std::runtime_error("llama_decode failed while evaluating the policy prefix");
        }
    }
    prefixes_->store(claim.seq, key, static_cast<int>(tokens.size()));
    std::lock_guard lock(mutex_);
    stats_.prefix_evaluations++;
    stats_.prompt_tokens_evaluated += tokens.size();
    stats_.decode_calls +=
        (tokens.size() + static_cast<size_t>(options_.batch) - 1) / static_cast<size_t>(options_.batch);
    return claim.seq;
}

void EmbeddedEngine::Impl::admit(Queued q, Slot& slot) {
    slot.id = q.id;
    slot.done = std::move(q.done);
    slot.submitted = q.submitted;
    slot.times = admitted_now(q.submitted);
    slot.phase = Phase::prompt;
    harmony::Classification& job = slot.job.emplace(std::move(q.job), options_.max_reasoning_tokens);
    const PromptTokens& tokens = model_->tokens();

    if (const auto stop = should_stop(slot)) return finish(slot, job.stopped(*stop));

    const harmony::ClassificationPrompt prompt = harmony::classification_prompt(job.job());
    // A cached prefix needs only its rendered text as the key: it is tokenized on a miss only.
    const std::string key = prompt.prefix.str();
    const std::optional<int> cached = prefixes_ ? prefixes_->find(key) : std::nullopt;
    std::vector<llama_token> prefix;
    std::vector<llama_token> item;
    try {
        if (!cached) prefix = tokens.tokenize(prompt.prefix);
        item = tokens.tokenize(prompt.item);
    } catch (const std::exception& e) {
        return finish(slot, job.failed(std::string("cannot tokenize: ") + e.what()));
    }
    const int prefix_tokens = cached ? prefixes_->tokens(*cached) : static_cast<int>(prefix.size());

    const int prompt_tokens = prefix_tokens + static_cast<int>(item.size());
    const bool score = job.scoring();
    const int generated = generated_at_most(job);
    job.usage().prompt_tokens = prompt_tokens;
    if (prompt_tokens + generated > options_.context) {
        return finish(
            slot,
            job.failed("content too long: the prompt is " + std::to_string(prompt_tokens) + " tokens" +
                       (score ? "" : " and may generate " + std::to_string(generated) + " more") +
                       ", over the " + std::to_string(options_.context) + "-token context per item (--ctx)"));
    }

    if (prefixes_) {
        std::optional<int> source = cached;
        if (source) {
            job.usage().cached_tokens = prefix_tokens;
            std::lock_guard lock(mutex_);
            stats_.prefix_hits++;
        } else {
            try {
                source = evaluate_prefix(key, prefix);
            } catch (const std::exception& e) {
                return finish(slot, job.failed(e.what()));
            }
        }
        llama_memory_seq_cp(llama_get_memory(ctx_.get()), *source, slot.seq, -1, -1);
        slot.n_past = prefix_tokens;
        slot.pending = std::move(item);
    } else {
        slot.pending = std::move(prefix);
        slot.pending.insert(slot.pending.end(), item.begin(), item.end());
    }
    if (!score) {
        slot.sampler = make_sampler(model_->vocab(), nullptr,
                                    job.job().reason_to_budget ? &control_tokens_ : nullptr, job.job().seed);
    }
}

void EmbeddedEngine::Impl::start_answer(Slot& slot) {
    slot.phase = Phase::answer;
    slot.times.answering = unix_nanos();
    slot.pending = final_header_;
    slot.sampler =
        make_sampler(model_->vocab(), &slot.job->answer_grammar(), &control_tokens_, slot.job->job().seed);
}

// Fills one batch: a decode token from every generating slot first, then prompt chunks.
bool EmbeddedEngine::Impl::decode_step() {
    batch_.n_tokens = 0;
    const int capacity = options_.batch;
    std::vector<Slot*> order;
    for (Slot& s : slots_) {
        if (s.phase != Phase::idle && s.phase != Phase::prompt) order.push_back(&s);
    }
    // Prompt chunks go to the oldest jobs first: in slot order, a long prompt in a later slot
    // waited behind every newer job that took an earlier slot (bench/RESULTS.md, first run).
    const size_t generating = order.size();
    for (Slot& s : slots_) {
        if (s.phase == Phase::prompt) order.push_back(&s);
    }
    std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(generating), order.end(),
                     [](const Slot* a, const Slot* b) { return a->submitted < b->submitted; });
    // Who gets room is decided in that order; the tokens are then written in sequence order.
    // With one KV stream per sequence, llama.cpp cuts a batch into micro-batches of consecutive
    // sequence ids with equal token counts (llama_batch_allocr::split_equal): in sequence order the
    // running items' decode tokens share one micro-batch; in any other order they fall into
    // several, each a pass over the weights (bench/RESULTS.md, 2026-11-28).
    std::vector<std::pair<Slot*, int>> takes;  // slot, tokens it puts in this batch
    int room = capacity;
    for (Slot* s : order) {
        s->batch_index = -1;
        if (room <= 0 || s->pending.empty()) continue;
        const int n = std::min(room, static_cast<int>(s->pending.size()));
        takes.emplace_back(s, n);
        room -= n;
    }
    std::sort(takes.begin(), takes.end(),
              [](const auto& a, const auto& b) { return a.first->seq < b.first->seq; });
    uint64_t prompt_tokens = 0;
    for (const auto& [s, n] : takes) {
        for (int i = 0; i < n; ++i) {
            const int k = batch_.n_tokens++;
            batch_.token[k] = s->pending[static_cast<size_t>(i)];
            batch_.pos[k] = s->n_past + i;
            batch_.n_seq_id[k] = 1;
            batch_.seq_id[k][0] = s->seq;
            batch_.logits[k] = false;
        }
        if (s->phase == Phase::prompt) prompt_tokens += static_cast<uint64_t>(n);
        s->n_past += n;
        s->pending.erase(s->pending.begin(), s->pending.begin() + n);
        if (s->pending.empty()) {
            batch_.logits[batch_.n_tokens - 1] = true;
            s->batch_index = batch_.n_tokens - 1;
        }
    }
    prompt_tokens += static_cast<uint64_t>(streams_->fill(batch_, capacity - batch_.n_tokens));
    if (batch_.n_tokens == 0) return false;
    const int rc = decode();
    {
        std::lock_guard lock(mutex_);
        stats_.decode_calls++;
        stats_.prompt_tokens_evaluated += prompt_tokens;
    }
    streams_->after_decode(rc == 0);
    if (rc != 0) {
        for (Slot* s : order) {
            if (s->phase != Phase::idle)
                finish(*s, s->job->failed("llama_decode failed (" + std::to_string(rc) + ")"));
        }
        return true;
    }
    for (Slot* s : order) {
        if (s->batch_index >= 0) after_decode(*s);
    }
    return true;
}

void EmbeddedEngine::Impl::after_decode(Slot& slot) {
    harmony::Classification& job = *slot.job;
    if (job.scoring()) {
        job.score(violation_probability(llama_get_logits_ith(ctx_.get(), slot.batch_index), zero_, one_));
        return finish(slot, job.verdict());
    }
    if (const auto stop = should_stop(slot)) return finish(slot, job.stopped(*stop));

    if (slot.phase == Phase::prompt) slot.times.prefilled = unix_nanos();
    if (slot.phase == Phase::prompt) slot.phase = Phase::analysis;
    llama_token token = LLAMA_TOKEN_NULL;
    try {
        token = llama_sampler_sample(slot.sampler.get(), ctx_.get(), slot.batch_index);
    } catch (const std::exception& e) {
        return finish(slot, job.failed(std::string("sampling failed: ") + e.what()));
    }

    const PromptTokens& tokens = model_->tokens();
    if (slot.phase == Phase::analysis) {
        const bool control = (llama_vocab_get_attr(model_->vocab(), token) &
                              (LLAMA_TOKEN_ATTR_CONTROL | LLAMA_TOKEN_ATTR_USER_DEFINED)) != 0 ||
                             llama_vocab_is_eog(model_->vocab(), token);
        if (!job.reasoning_continues(control)) return start_answer(slot);
        job.add_reasoning(tokens.piece(token));
        slot.pending = {token};
        return;
    }
    if (!job.answer_continues(tokens.piece(token))) return finish(slot, job.verdict());
    slot.pending = {token};
}

void EmbeddedEngine::Impl::run() {
    for (;;) {
        std::vector<Queued> admitted;
        {
            std::unique_lock lock(mutex_);
            const auto busy = [&] {
                return std::any_of(slots_.begin(), slots_.end(),
                                   [](const Slot& s) { return s.phase != Phase::idle; });
            };
            const auto ready = [&] { return stopping_ || !queue_.empty() || busy() || streams_->has_work(); };
            // Idle streams expire: wake for the next expiry too.
            const auto expiry = streams_->next_expiry().value_or(Clock::now() + std::chrono::hours(24));
            wake_.wait_until(lock, expiry, ready);
            if (stopping_ && !busy()) break;
            size_t free_slots = 0;
            for (const Slot& s : slots_) free_slots += s.phase == Phase::idle ? 1 : 0;
            while (free_slots > 0 && !queue_.empty()) {
                admitted.push_back(std::move(queue_.front()));
                queue_.pop_front();
                --free_slots;
            }
        }
        for (Queued& q : admitted) {
            for (Slot& s : slots_) {
                if (s.phase == Phase::idle) {
                    admit(std::move(q), s);
                    break;
                }
            }
        }
        // Jobs cancelled or past their deadline stop here, between decodes.
        for (Slot& s : slots_) {
            if (s.phase == Phase::idle) continue;
            if (const auto stop = should_stop(s)) finish(s, s.job->stopped(*stop));
        }
        streams_->service();
        decode_step();
    }
    streams_->shutdown();
    // Whatever is still queued at shutdown gets an answer too.
    std::deque<Queued> rest;
    {
        std::lock_guard lock(mutex_);
        rest.swap(queue_);
    }
    for (Queued& q : rest) {
        if (q.done) q.done(stopped_verdict(q.job, Stop::shutdown));
    }
}

std::optional<int> EmbeddedEngine::Impl::content_room(const Job& job) const {
    return harmony::content_room(job, tokens(), options_.context, options_.max_reasoning_tokens, 0);
}

EmbeddedEngine::EmbeddedEngine(const EngineOptions& options) : impl_(std::make_unique<Impl>(options)) {}
EmbeddedEngine::~EmbeddedEngine() = default;
JobId EmbeddedEngine::submit(Job job, Done done) {
    return impl_->submit(std::move(job), std::move(done));
}
void EmbeddedEngine::cancel(JobId id) {
    impl_->cancel(id);
}
std::optional<int> EmbeddedEngine::content_tokens(const Content& content) const {
    return static_cast<int>(impl_->tokens().tokenize_text(user_message(content)).size());
}
std::optional<int> EmbeddedEngine::content_room(const Job& job) const {
    return impl_->content_room(job);
}
StreamId EmbeddedEngine::open_stream(StreamSpec spec, StreamEvents events) {
    return impl_->streams().open(std::move(spec), std::move(events));
}
void EmbeddedEngine::append_stream(StreamId id, std::string_view text) {
    impl_->streams().append(id, text);
}
void EmbeddedEngine::close_stream(StreamId id) {
    impl_->streams().close(id);
}
EmbeddedEngine::Stats EmbeddedEngine::stats() const {
    return impl_->stats();
}

}  // namespace arbiter::engine
