#pragma once
// The review workflow's routes: the decision log read back, reviews and labelled sets, the
// review queue, shadows, and runs that measure a draft before it is promoted.

#include "http/router.h"
#include "review/eval_runs.h"
#include "service/service_context.h"

namespace arbiter::service {

// GET /v1/decisions and /v1/decisions/{id}.
void add_decision_routes(Router& router, ServiceContext& context);
// DELETE /v1/decisions?content_sha256=|item_id=|request_id=: erasure on request.
void add_erasure_routes(Router& router, ServiceContext& context);
// GET /v1/audit (the audit trail, filtered and paged) and /v1/audit/verify (its hash chain).
void add_audit_routes(Router& router, ServiceContext& context);
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

}  // namespace arbiter::service
