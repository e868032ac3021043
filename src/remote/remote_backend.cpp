#include "remote/remote_backend.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "core/content_layout.h"
#include "harmony/classification.h"
#include "harmony/content_room.h"
#include "remote/chat_exchange.h"
#include "remote/completions_exchange.h"
#include "remote/connection_pool.h"
#include "remote/http_request.h"
#include "remote/raw_exchange.h"
#include "remote/remote_engine.h"
#include "remote/remote_streams.h"
#include "remote/upstream_span.h"

namespace arbiter::remote {

namespace {

using Clock = std::chrono::steady_clock;

Clock::duration seconds(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

// A job and what cancel() needs to reach it while it runs.
struct Task {
    JobId id = 0;
    Job job;
    Done done;
    Clock::time_point submitted;
    std::mutex mutex;
    std::condition_variable woken;  // ends a backoff early
    bool cancelled = false;
    HttpRequest* active = nullptr;
    std::optional<uint64_t> affinity;   // the policy prefix's key (cache-aware routing)
    std::optional<size_t> answered_by;  // the server that answered this job's last request
    std::optional<size_t> pinned;       // the same, where routing keeps a job's steps there
    std::shared_ptr<StreamPin> stream;  // a stream's check: where its stream's checks go
};

// What one server answered, for server_loads().
struct Served {
    uint64_t jobs = 0;
    uint64_t prompt_tokens = 0;
    uint64_t cached_tokens = 0;
};

}  // namespace

class RemoteBackend::Impl {
public:
    explicit Impl(RemoteOptions options);
    ~Impl();
    JobId submit(Job job, Done done, std::shared_ptr<StreamPin> stream = nullptr);
    void cancel(JobId id);
    RemoteStreams& streams() { return *streams_; }
    Stats stats() const { return {attempts_.load(), retries_.load()}; }
    std::vector<ServerLoad> server_loads() const;
    std::optional<int> content_tokens(const Content& content) const;
    std::optional<int> content_room(const Job& job) const;
    EndpointPool::State endpoint_state(size_t i) const { return pool_.state(i); }

private:
    void work();
    void run(Task& task);
    // The job's exchange with the servers in the backend's protocol.
    Verdict exchange(Task& task, const Post& post);
    HttpResult post(Task& task, const std::string& path, const std::string& body,
                    const HttpRequest::OnBytes& on_bytes = {});
    bool give_up(Task& task);
    // Whether cancellation, shutdown or the deadline ended `task`, whose exchange gave `v`.
    std::optional<Stop> stopped(Task& task, const Verdict& v);
    void check_health();
    void answer(Task& task, Verdict v);

    const RemoteOptions options_;
    std::vector<std::unique_ptr<ConnectionPool>> connections_;  // one per endpoint
    EndpointPool pool_;
    mutable std::mutex served_mutex_;
    std::vector<Served> served_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;         // workers
    std::condition_variable health_wake_;  // the health checker, at shutdown
    std::deque<std::shared_ptr<Task>> queue_;
    std::unordered_map<JobId, std::shared_ptr<Task>> tasks_;
    JobId next_id_ = 1;
    bool stopping_ = false;

    std::mutex tokens_mutex_;
    std::optional<ServerTokens> server_tokens_;  // raw mode: asked of a server at the first job
    std::optional<ServerTokens> local_tokens_;   // completions mode: from the tokenizer

    std::atomic<uint64_t> attempts_{0};
    std::atomic<uint64_t> retries_{0};
    std::vector<std::thread> workers_;
    std::mutex health_mutex_;
    HttpRequest* health_request_ = nullptr;
    std::thread health_;
    std::unique_ptr<RemoteStreams> streams_;  // last: its checks are this backend's jobs
};

RemoteBackend::Impl::Impl(RemoteOptions options)
    : options_((validate(options), std::move(options))),
      pool_(server_names(options_.endpoints), options_.max_concurrency_per_endpoint,
            options_.failures_to_eject, seconds(options_.eject_s)),
      served_(options_.endpoints.size()) {
    std::string token;
    if (!options_.api_key_env.empty()) {
        const char* key = std::getenv(options_.api_key_env.c_str());
        if (key == nullptr || *key == '\0')
            throw std::invalid_argument("the API key variable " + options_.api_key_env + " is not set");
        token = key;
    }
    for (const std::string& url : options_.endpoints) {
        connections_.push_back(std::make_unique<ConnectionPool>(
            parse_base_url(url), token, static_cast<size_t>(options_.max_concurrency_per_endpoint)));
    }
    if (options_.mode == RemoteMode::completions) local_tokens_ = tokenizer_tokens(*options_.tokenizer);
    const size_t n = options_.endpoints.size() * static_cast<size_t>(options_.max_concurrency_per_endpoint);
    for (size_t i = 0; i < std::min<size_t>(n, 1024); ++i) workers_.emplace_back([this] { work(); });
    health_ = std::thread([this] { check_health(); });
    const StreamLimits limits{options_.streams, options_.stream_max_bytes,
                              std::chrono::milliseconds(options_.stream_idle_timeout_ms),
                              options_.context_tokens, options_.retry_budget_s};
    streams_ = std::make_unique<RemoteStreams>(options_.tokenizer, limits,
                                               [this](Job job, Done done, std::shared_ptr<StreamPin> pin) {
                                                   submit(std::move(job), std::move(done), std::move(pin));
                                               });
}

RemoteBackend::Impl::~Impl() {
    streams_->shutdown();  // its checks in flight answer "shut down" below, which ends their streams
    std::deque<std::shared_ptr<Task>> queued;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queued.swap(queue_);
        for (auto& [id, task] : tasks_) {
            std::lock_guard task_lock(task->mutex);
            task->cancelled = true;
            if (task->active != nullptr) task->active->abort();
            task->woken.notify_all();
        }
    }
    {
        std::lock_guard lock(health_mutex_);
        if (health_request_ != nullptr) health_request_->abort();
    }
    wake_.notify_all();
    health_wake_.notify_all();
    pool_.wake();
    for (auto& task : queued) answer(*task, stopped_verdict(task->job, Stop::shutdown));
    for (std::thread& t : workers_) t.join();
    health_.join();
}

JobId RemoteBackend::Impl::submit(Job job, Done done, std::shared_ptr<StreamPin> stream) {
    if (!job.policy) throw std::invalid_argument("a job needs a policy");
    auto task = std::make_shared<Task>();
    task->job = std::move(job);
    task->done = std::move(done);
    task->submitted = Clock::now();
    if (stream) {
        task->affinity = stream->affinity;
    } else if (options_.routing == Routing::cache_aware) {
        task->affinity = affinity_key(harmony::classification_prompt(task->job).prefix.str());
    }
    task->stream = std::move(stream);
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            task->id = next_id_++;
            tasks_.emplace(task->id, task);
            queue_.push_back(task);
        }
    }
    if (task->id == 0) {
        answer(*task, stopped_verdict(task->job, Stop::shutdown));
        return 0;
    }
    wake_.notify_one();
    return task->id;
}

void RemoteBackend::Impl::cancel(JobId id) {
    std::shared_ptr<Task> task;
    bool was_queued = false;
    {
        std::lock_guard lock(mutex_);
        const auto it = tasks_.find(id);
        if (it == tasks_.end()) return;
        task = it->second;
        const auto q = std::find(queue_.begin(), queue_.end(), task);
        if (q != queue_.end()) {
            queue_.erase(q);
            was_queued = true;
        }
    }
    if (was_queued) return answer(*task, stopped_verdict(task->job, Stop::cancelled));
    {
        std::lock_guard lock(task->mutex);
        task->cancelled = true;
        if (task->active != nullptr) task->active->abort();
    }
    task->woken.notify_all();
    pool_.wake();
}

void RemoteBackend::Impl::answer(Task& task, Verdict v) {
    {
        std::lock_guard lock(mutex_);
        tasks_.erase(task.id);
    }
    v.latency_ms = std::chrono::duration<double, std::milli>(Clock::now() - task.submitted).count();
    if (task.done) {
        Done done = std::move(task.done);
        done(std::move(v));
    }
}

std::optional<Stop> RemoteBackend::Impl::stopped(Task& task, const Verdict& v) {
    if (give_up(task)) {
        std::lock_guard lock(mutex_);
        return stopping_ ? Stop::shutdown : Stop::cancelled;
    }
    // Every attempt's time limit ends at the deadline, so a job without an answer past it ran out
    // of time, whether the last attempt timed out or the retries' backoff reached it.
    const bool answered = v.status == VerdictStatus::ok || v.status == VerdictStatus::unparseable;
    if (!answered && v.status != VerdictStatus::timeout && past_deadline(task.job)) return Stop::deadline;
    return std::nullopt;
}

bool RemoteBackend::Impl::give_up(Task& task) {
    std::lock_guard lock(task.mutex);
    return task.cancelled;
}

void RemoteBackend::Impl::work() {
    for (;;) {
        std::shared_ptr<Task> task;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping
            task = std::move(queue_.front());
            queue_.pop_front();
        }
        run(*task);
    }
}

Verdict RemoteBackend::Impl::exchange(Task& task, const Post& post) {
    if (past_deadline(task.job)) return stopped_verdict(task.job, Stop::deadline);
    if (options_.mode == RemoteMode::chat) return classify_chat(task.job, options_, post);
    if (options_.mode == RemoteMode::completions) {
        const StreamedPost streamed = [&](const std::string& path, const nlohmann::json& body,
                                          const HttpRequest::OnBytes& on_bytes) {
            return this->post(task, path, dump_body(body), on_bytes);
        };
        return classify_completions(task.job, options_, *local_tokens_, post, streamed);
    }
    std::optional<ServerTokens> tokens;
    std::string error;
    {
        std::lock_guard lock(tokens_mutex_);
        if (!server_tokens_) server_tokens_ = discover_server_tokens(post, error);
        tokens = server_tokens_;
    }
    return tokens ? classify_raw(task.job, options_, *tokens, post)
                  : failed_verdict(task.job, "raw mode: " + error);
}

void RemoteBackend::Impl::run(Task& task) {
    UpstreamSpan span(task.job, options_, task.submitted);
    task.job.tracing.parent = span.context();  // its requests name the client span
    const Post post = [&](const std::string& path, const nlohmann::json& body) {
        return this->post(task, path, dump_body(body));
    };
    Verdict v;
    try {
        v = exchange(task, post);
    } catch (const std::exception& e) {
        // Whatever a server answered (an id past the vocabulary, text the tokenizer refuses)
        // ends this job, never the process.
        v = failed_verdict(task.job, std::string("the server's answer could not be used: ") + e.what());
    }
    if (const std::optional<Stop> stop = stopped(task, v)) {
        // What ended the exchange, not how it surfaced (an aborted or timed-out request), decides
        // the status; the reasoning and usage so far are kept.
        Verdict s = stopped_verdict(task.job, *stop);
        s.usage = v.usage;
        s.rationale = std::move(v.rationale);
        v = std::move(s);
    }
    if (task.answered_by) {
        std::lock_guard lock(served_mutex_);
        Served& served = served_[*task.answered_by];
        served.jobs++;
        served.prompt_tokens += static_cast<uint64_t>(std::max(0, v.usage.prompt_tokens));
        served.cached_tokens += static_cast<uint64_t>(std::max(0, v.usage.cached_tokens));
    }
    span.finish(v);
    answer(task, std::move(v));
}

HttpResult RemoteBackend::Impl::post(Task& task, const std::string& path, const std::string& body,
                                     const HttpRequest::OnBytes& on_bytes) {
    bool delivered = false;  // a streamed reply's receiver has seen bytes: no retry
    bool stopped = false;    // the receiver ended the reply itself: not the server's failure
    const HttpRequest::OnBytes receive = [&](std::string_view bytes) {
        delivered = true;
        stopped = !on_bytes(bytes);
        return !stopped;
    };
    const Clock::time_point deadline = task.job.deadline;
    const Clock::time_point started = Clock::now();
    const Clock::time_point budget_end = std::min(deadline, started + seconds(options_.retry_budget_s));
    thread_local std::mt19937 random(std::random_device{}());
    HttpResult last;
    last.failure = HttpResult::Failure::timeout;
    last.error = "deadline exceeded";
    std::optional<size_t> avoid;
    for (int attempt = 0; attempt <= options_.retries; ++attempt) {
        if (give_up(task)) break;
        const Clock::time_point now = Clock::now();
        if (now >= budget_end) break;
        std::optional<size_t> pinned = task.pinned;
        if (task.stream && task.stream->endpoint >= 0)
            pinned = static_cast<size_t>(task.stream->endpoint.load());
        const std::optional<size_t> endpoint = pool_.acquire(
            budget_end, [&] { return give_up(task); }, Route{task.affinity, pinned, avoid});
        if (!endpoint) {
            if (attempt == 0) {
                last.failure = HttpResult::Failure::connection;
                last.error = "no endpoint in rotation had room before the deadline (all ejected or busy)";
            }
            break;
        }
        const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::min(seconds(options_.timeout_s), deadline - Clock::now()));
        HttpRequest request(*connections_[*endpoint]);
        request.name_trace(task.job.tracing.parent);
        {
            std::lock_guard lock(task.mutex);
            task.active = &request;
            if (task.cancelled) request.abort();
        }
        attempts_++;
        if (attempt > 0) retries_++;
        HttpResult result = request.send(path, body, std::max(limit, std::chrono::milliseconds(1)),
                                         on_bytes ? receive : HttpRequest::OnBytes{});
        {
            std::lock_guard lock(task.mutex);
            task.active = nullptr;
        }
        result.attempts = attempt + 1;
        // 429: the server is busy, not sick; it is retried after its Retry-After.
        const bool retryable = result.failure == HttpResult::Failure::connection ||
                               result.failure == HttpResult::Failure::timeout || result.status >= 500 ||
                               result.status == 429;
        // Only a server that does not answer, or says it cannot (502, 503, 504), counts towards its
        // ejection: a 500 about one item's output is that item's problem.
        const bool endpoint_failed = !stopped && (result.failure == HttpResult::Failure::connection ||
                                                  result.failure == HttpResult::Failure::timeout ||
                                                  (result.status >= 502 && result.status <= 504));
        pool_.release(*endpoint, !endpoint_failed);
        if (result.failure == HttpResult::Failure::none && !retryable) {
            task.answered_by = endpoint;
            if (options_.routing == Routing::cache_aware) task.pinned = endpoint;
            if (task.stream) task.stream->endpoint = static_cast<int>(*endpoint);
        }
        last = std::move(result);
        if (last.failure == HttpResult::Failure::aborted || !retryable || delivered) return last;
        avoid = endpoint;
        if (attempt == options_.retries) break;
        if (last.retry_after_s) {
            // That server asked for a pause: routing skips it until then, the next attempt goes to
            // another one at once, or waits in acquire() while every server is held.
            pool_.hold(*endpoint, Clock::now() + seconds(*last.retry_after_s));
            continue;
        }
        // Full jitter: uniformly up to base * 2^attempt, capped.
        const double cap = std::min(options_.backoff_max_s, options_.backoff_base_s * std::pow(2.0, attempt));
        const auto pause = seconds(std::uniform_real_distribution<double>(0, cap)(random));
        std::unique_lock lock(task.mutex);
        task.woken.wait_until(lock, std::min(Clock::now() + pause, budget_end),
                              [&] { return task.cancelled; });
    }
    return last;
}

void RemoteBackend::Impl::check_health() {
    const Clock::duration every = seconds(options_.health_interval_s);
    const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::min(seconds(options_.timeout_s), seconds(5)));
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (health_wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; }))
                return;
        }
        for (size_t i : pool_.due_for_probe(every)) {
            const EndpointPool::State before = pool_.state(i);
            if (options_.health_path.empty()) {
                // No health path (some hosted APIs): an ejected endpoint comes back after its
                // cool-down, and live traffic decides.
                if (!before.in_rotation) pool_.probe_result(i, true);
                continue;
            }
            HttpRequest request(*connections_[i]);
            {
                std::lock_guard lock(health_mutex_);
                health_request_ = &request;
            }
            {
                std::lock_guard lock(mutex_);
                if (stopping_) request.abort();
            }
            const HttpResult r = request.send(options_.health_path, "", limit);
            {
                std::lock_guard lock(health_mutex_);
                health_request_ = nullptr;
            }
            if (r.failure == HttpResult::Failure::aborted) return;
            pool_.probe_result(i, r.failure == HttpResult::Failure::none && r.status == 200);
        }
    }
}

std::vector<ServerLoad> RemoteBackend::Impl::server_loads() const {
    std::vector<ServerLoad> loads;
    std::lock_guard lock(served_mutex_);
    for (size_t i = 0; i < served_.size(); ++i) {
        const EndpointPool::State state = pool_.state(i);
        loads.push_back({options_.endpoints[i], state.in_rotation, state.outstanding, served_[i].jobs,
                         served_[i].prompt_tokens, served_[i].cached_tokens});
    }
    return loads;
}

std::optional<int> RemoteBackend::Impl::content_tokens(const Content& content) const {
    if (!options_.tokenizer) return std::nullopt;
    return static_cast<int>(options_.tokenizer->tokenize_text(user_message(content)).size());
}

std::optional<int> RemoteBackend::Impl::content_room(const Job& job) const {
    if (!options_.tokenizer || options_.context_tokens == 0) return std::nullopt;
    // A server samples the score's one token.
    return harmony::content_room(job, *options_.tokenizer, options_.context_tokens,
                                 options_.max_reasoning_tokens, 1);
}

RemoteBackend::RemoteBackend(RemoteOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
RemoteBackend::~RemoteBackend() = default;
JobId RemoteBackend::submit(Job job, Done done) {
    return impl_->submit(std::move(job), std::move(done));
}
void RemoteBackend::cancel(JobId id) {
    impl_->cancel(id);
}
RemoteBackend::Stats RemoteBackend::stats() const {
    return impl_->stats();
}
std::optional<int> RemoteBackend::content_tokens(const Content& content) const {
    return impl_->content_tokens(content);
}
std::optional<int> RemoteBackend::content_room(const Job& job) const {
    return impl_->content_room(job);
}
std::vector<ServerLoad> RemoteBackend::server_loads() const {
    return impl_->server_loads();
}
StreamId RemoteBackend::open_stream(StreamSpec spec, StreamEvents events) {
    return impl_->streams().open(std::move(spec), std::move(events));
}
void RemoteBackend::append_stream(StreamId id, std::string_view text) {
    impl_->streams().append(id, text);
}
void RemoteBackend::close_stream(StreamId id) {
    impl_->streams().close(id);
}
EndpointPool::State RemoteBackend::endpoint_state(size_t endpoint) const {
    return impl_->endpoint_state(endpoint);
}

}  // namespace arbiter::remote
