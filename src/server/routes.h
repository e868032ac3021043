#pragma once
// The routes of the classification service itself, one family per file, each added to the router
// over the shared context (server.h lists every endpoint; the other families are in review/,
// streams/ and compat/).

#include "http/router.h"
#include "http/worker_pool.h"
#include "service/service_context.h"

namespace arbiter::service {

// GET /v1/me: the caller's key name and role (a console's sign-in).
void add_account_routes(Router& router);
// GET / and the review console's files (server/console_assets.h; no key: the API needs one).
void add_console_routes(Router& router);
// GET /healthz, /readyz, /metrics (no key).
void add_health_routes(Router& router, ServiceContext& context);
// POST /v1/classify.
void add_classify_routes(Router& router, ServiceContext& context);
// GET, PUT and DELETE /v1/policies[/{id}], GET /v1/policies/{id}/versions, POST /v1/lint.
void add_policy_routes(Router& router, ServiceContext& context);
// POST /v1/playground: policies and drafts side by side on one content, the reasoning streamed as
// Server-Sent Events; `runs` waits for the verdicts (a handler returns once the stream starts).
void add_playground_routes(Router& router, ServiceContext& context, WorkerPool& runs);

}  // namespace arbiter::service
