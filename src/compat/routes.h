#pragma once
// Other services' APIs answered by arbiter's policies: drop-in replacements whose clients need
// no change but their base URL.

#include "http/router.h"
#include "service/service_context.h"

namespace arbiter::service {

// POST /v1/moderations: OpenAI's moderation endpoint, from the configured policy sets.
void add_moderation_routes(Router& router, ServiceContext& context);
// Perspective's POST /v1alpha1/comments:analyze and :suggestscore, and its discovery document.
void add_perspective_routes(Router& router, ServiceContext& context);

}  // namespace arbiter::service
