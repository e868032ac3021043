#pragma once
// The service's routes, one family per file, each added to the router over the shared context
// (see server.h for the table of endpoints and roles).

#include "service/eval_runs.h"
#include "service/gateway.h"
#include "service/router.h"
#include "service/service_context.h"
#include "service/stream_sessions.h"
#include "service/worker_pool.h"

namespace arbiter::service {

// GET /v1/me: the caller's key name and role (a console's sign-in).
void add_account_routes(Router& router, ServiceContext& context);
// GET / and the review console's files (service/console_assets.h; no key: the API needs one).
void add_console_routes(Router& router);
// GET /healthz, /readyz, /metrics (no key).
void add_health_routes(Router& router, ServiceContext& context);
// POST /v1/classify and /v1/moderations.
void add_classify_routes(Router& router, ServiceContext& context);
// GET, PUT and DELETE /v1/policies[/{id}], GET /v1/policies/{id}/versions, POST /v1/lint.
void add_policy_routes(Router& router, ServiceContext& context);
// GET /v1/decisions and /v1/decisions/{id}.
void add_decision_routes(Router& router, ServiceContext& context);
// POST /v1/playground: policies and drafts side by side on one content, the reasoning streamed as
// Server-Sent Events; `runs` waits for the verdicts (a handler returns once the stream starts).
void add_playground_routes(Router& router, ServiceContext& context, WorkerPool& runs);
// GET and POST /v1/reviews (a policy's labels as JSONL that `arbiter eval` reads, a decision's
// reviews, a review given), GET /v1/labelled-sets[/{policy}].
void add_review_routes(Router& router, ServiceContext& context);
// GET /v1/queue, /v1/queue/summary, /v1/queue/rules; PUT /v1/queue/rules/{policy}.
void add_queue_routes(Router& router, ServiceContext& context);
// PUT, DELETE and GET /v1/policies/{id}/shadow.
void add_shadow_routes(Router& router, ServiceContext& context);
// POST and GET /v1/runs, GET /v1/runs/{id}, POST /v1/runs/{id}/cancel, POST
// /v1/policies/{id}/promote.
void add_run_routes(Router& router, ServiceContext& context, EvalRuns& runs);
// Perspective's POST /v1alpha1/comments:analyze and :suggestscore, and its discovery document.
void add_perspective_routes(Router& router, ServiceContext& context);
// POST /v1/streams, /v1/streams/{id}/append and /close, GET /v1/streams/{id}/events (SSE).
void add_stream_routes(Router& router, ServiceContext& context, StreamSessions& sessions);
// POST /v1/chat/completions: the guarded chat gateway (service/gateway.h).
void add_gateway_routes(Router& router, ServiceContext& context, StreamSessions& sessions, Gateway& gateway);

}  // namespace arbiter::service
