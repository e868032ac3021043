#pragma once
// The HTTP service: classification, OpenAI-compatible moderation, policies, the
// decision log, health and metrics, in front of any Backend.
//
//   POST /v1/classify            items x policies -> verdicts            role classify
//   POST /v1/moderations         OpenAI's Moderation API on a policy set role classify
//   GET  /v1/me                  the key's name and role (sign-in)       role classify
//   GET  /v1/policies[/{id}]     current policies; ?version=N for any    role classify
//   GET  /v1/policies/{id}/versions  every stored version, oldest first  role classify
//   POST /v1/lint                `policy lint`'s findings for a draft    role classify
//   PUT|DELETE /v1/policies/{id} store a new version / retire            role admin
//   GET  /v1/decisions[/{id}]    the audit trail, searched; one decision role review
//   POST /v1/playground          drafts and versions side by side, the reasoning streamed (SSE)
//                                                                        role classify
//   POST /v1alpha1/comments:analyze|suggestscore  Perspective's API      role classify (?key=)
//   GET  /v1/reviews?policy=ID   review labels as JSONL for arbiter eval role review
//   POST /v1/reviews, GET /v1/reviews?decision=ID  review a decision    role review
//   GET  /v1/queue[/summary], GET /v1/queue/rules  the review queue      role review
//   PUT  /v1/queue/rules/{policy}  which decisions are queued           role admin
//   GET  /v1/labelled-sets[/{policy}]  reviewed items; JSONL for eval   role review
//   POST|GET /v1/runs, GET /v1/runs/{id}, POST /v1/runs/{id}/cancel     role review
//   POST /v1/policies/{id}/promote  a run's candidate becomes live      role admin
//   PUT|DELETE /v1/policies/{id}/shadow  judge live traffic with a version too  role admin
//   GET  /v1/policies/{id}/shadow  how the shadow compares with live    role review
//   POST /v1/streams             open a stream session                   role classify
//   POST /v1/streams/{id}/append|close  text as it grows / its verdict   role classify
//   GET  /v1/streams/{id}/events check events (Server-Sent Events)       role classify
//   POST /v1/chat/completions    the guarded chat gateway (--upstream)   role classify
//   GET  /$discovery/rest        Perspective's discovery document        no key
//   GET  /healthz /readyz /metrics                                       no key
//   GET  / /app.js /app.css      the review console (console/)           no key
//
// docs/review-api.md documents the review endpoints. Roles are ordered: classify < review <
// admin, each allowed what the ones before it are.
//
// Every verdict is in the decision log before the response carrying it is sent. stop() drains:
// the listener closes, requests already being handled are answered, then run() returns.

#include <functional>
#include <memory>
#include <optional>

#include "core/backend.h"
#include "service/api_keys.h"
#include "service/service_config.h"
#include "storage/decision_log.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"

namespace arbiter::service {

struct ReviewStores {
    storage::ReviewLog& reviews;
    storage::ReviewQueue& queue;
    storage::RunStore& runs;
    storage::ShadowVersions& shadows;
};

class Server {
public:
    // Without keys every request is allowed, so the caller must bind to loopback only.
    Server(ServiceConfig config, storage::PolicyStore& policies, storage::DecisionLog& log,
           std::optional<ApiKeys> keys);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Until a backend is set, /readyz and classification answer 503 (the model is loading).
    void set_backend(Backend& backend);

    // Checks a policy sent with PUT /v1/policies/{id} before it is stored, beyond what parsing
    // checks; a PolicyError it throws is the request's 400. Serve compiles the policy's rules
    // here: a version stored with rules the cascade cannot compile would stop the next start.
    // Set before run().
    void set_policy_check(std::function<void(const Policy&)> check);

    // Where reviews (the console's queue, Perspective's suggestscore), queue rules, runs and
    // shadow versions are kept (without them those endpoints answer 503). Set before run().
    void set_review_stores(const ReviewStores& stores);

    // Binds config.host:config.port (port 0: any free one); returns the port. Throws
    // std::runtime_error when the address cannot be bound.
    int bind();
    // Serves until stop(); returns once every request being handled has been answered.
    void run();
    // Safe from any thread, and more than once.
    void stop();

private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1 or localhost).
bool is_loopback_host(const std::string& host);

}  // namespace arbiter::service
