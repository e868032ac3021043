// POST /v1/playground: one content against one to four policies (stored versions or drafts), the
// reasoning streamed as the model writes it, for the console's playground.
//
// The answer is text/event-stream:
//   event: reasoning  data: {"run": i, "text": "..."}     pieces of run i's analysis channel
//   event: verdict    data: {"run": i, "verdict": {...}}  as /v1/classify returns it
//   event: done       data: {"request_id": "..."}
// or, for a failure once the stream started, `event: error` with {"message"}. Everything the
// service refuses before judging (a bad body, an unknown policy, content over a limit, a full
// queue, a draining server) is an ordinary JSON error instead: the jobs are admitted before the
// stream starts. A run's reasoning pieces concatenate to its verdict's rationale (both made valid
// UTF-8 the same way: a character split across tokens waits for its last byte). The verdicts
// arrive as each run is done, each in the decision log before its event is sent.

#include <mutex>

#include "core/content_layout.h"
#include "core/random_id.h"
#include "core/service_error.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "core/verdict_json.h"
#include "http/body_stream.h"
#include "http/http_reply.h"
#include "server/playground_request.h"
#include "server/routes.h"
#include "service/decision_row.h"
#include "service/fanout_jobs.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// The event stream of one request. reasoning() runs on the engine's thread, the rest on the
// playground's. The mutex guards only the bytes each run holds back: events are written with no
// lock held, since a write that overflows the body cancels the runs from inside it.
class PlaygroundEvents {
public:
    PlaygroundEvents(std::shared_ptr<BodyStream> body, size_t runs) : body_(std::move(body)), held_(runs) {}

    void reasoning(size_t run, std::string_view piece) {
        std::string ready;
        {
            std::lock_guard lock(mutex_);
            std::string& held = held_[run];
            held.append(piece);
            const size_t cut = complete_utf8_prefix(held);
            ready = held.substr(0, cut);
            held.erase(0, cut);
        }
        if (!ready.empty()) send_reasoning(run, ready);
    }
    // What run `run` still holds (a character never completed), before its verdict.
    void flush(size_t run) {
        std::string rest;
        {
            std::lock_guard lock(mutex_);
            rest.swap(held_[run]);
        }
        if (!rest.empty()) send_reasoning(run, rest);
    }
    void event(std::string_view name, const ordered_json& data) {
        body_->write("event: " + std::string(name) + "\ndata: " + to_json_line(data) + "\n\n");
    }
    void finish() { body_->finish(); }

private:
    void send_reasoning(size_t run, std::string_view bytes) {
        event("reasoning", {{"run", run}, {"text", valid_utf8(bytes)}});
    }

    const std::shared_ptr<BodyStream> body_;
    std::mutex mutex_;
    std::vector<std::string> held_;
};

// Run `p`'s verdict, once it is done: into the decision log, then its event.
void deliver(ServiceContext& context, const PlaygroundRequest& request, const std::string& request_id,
             size_t p, const Verdict& v, PlaygroundEvents& events) {
    const ClassifyItem& item = request.item;
    ordered_json j = verdict_to_json(item.id, v);
    // As the reasoning events decoded it, so that their pieces concatenate to it exactly.
    j["rationale"] = valid_utf8(j["rationale"].get<std::string>());
    context.metrics.verdict(v,
                            request.drafts[p] ? std::string_view("(inline)") : std::string_view(v.policy_id));
    const std::string content_hash = sha256_hex(user_message(item.content));
    const DecisionSource source{.request_id = request_id,
                                .item = item,
                                .content_sha256 = content_hash,
                                .mode = request.settings.mode,
                                .inline_policy = request.drafts[p],
                                .store_content = context.config.store_content};
    storage::Decision row = decision_row(source, sha256_hex(request.policies[p]->text), v);
    row.verdict_json = j;
    context.log.record({row});
    events.flush(p);
    events.event("verdict", {{"run", p}, {"verdict", std::move(j)}});
}

void playground(ServiceContext& context, WorkerPool& runs, const HttpRequest& req, HttpResponse& res) {
    auto request = std::make_shared<PlaygroundRequest>(parse_playground_request(
        parse_body(req), [&context](const std::string& id, std::optional<int> version) {
            if (!version) return context.known_policy(id);
            const std::optional<storage::PolicyVersion> stored = context.policies.version(id, *version);
            if (!stored)
                throw ServiceError(Refusal::not_found,
                                   "policy '" + id + "' has no version " + std::to_string(*version));
            return stored->policy;
        }));
    const std::string request_id = random_id("play_");
    const std::vector<ClassifyItem> items = {request->item};
    const RunSettings& s = request->settings;
    std::vector<Job> jobs = fanout_jobs(context, {request_id, items, request->policies, request->drafts,
                                                  s.mode, s.effort, s.max_reasoning_tokens});

    auto body = std::make_shared<BodyStream>(size_t{4} << 20, ":\n\n");
    auto events = std::make_shared<PlaygroundEvents>(body, jobs.size());
    for (size_t p = 0; p < jobs.size(); ++p)
        jobs[p].on_reasoning = [events, p](std::string_view piece) { events->reasoning(p, piece); };
    JobRunner& runner = context.runner();
    const std::shared_ptr<JobRunner::Batch> batch =
        runner.start(std::move(jobs), Clock::now() + context.settings()->request_timeout);
    if (!batch)
        throw ServiceError(Refusal::busy, "the queue is full (" + std::to_string(context.config.queue_depth) +
                                              " jobs); retry shortly");
    const bool queued = runs.try_submit([&context, &runner, request, request_id, batch, events] {
        try {
            runner.wait_each(*batch, [&](size_t p, const Verdict& v) {
                deliver(context, *request, request_id, p, v, *events);
            });
            events->event("done", {{"request_id", request_id}});
        } catch (const std::exception& e) {
            events->event("error", {{"message", e.what()}});
        }
        events->finish();
    });
    if (!queued) {
        runner.cancel(*batch);
        throw ServiceError(Refusal::busy, "too many playground runs at once; retry shortly");
    }
    // A client that leaves stops its runs' generation. Weak: the body must not keep the batch.
    body->on_cancel([&runner, weak = std::weak_ptr<JobRunner::Batch>(batch)] {
        if (const auto b = weak.lock()) runner.cancel(*b);
    });
    res.set_header("X-Request-Id", request_id);
    res.content_type = "text/event-stream";
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.stream = std::move(body);
}

}  // namespace

void add_playground_routes(Router& router, ServiceContext& context, WorkerPool& runs) {
    router.add("POST", "/v1/playground", Role::classify, Cost::blocking,
               [&context, &runs](const HttpRequest& req, HttpResponse& res) {
                   playground(context, runs, req, res);
               });
}

}  // namespace arbiter::service
