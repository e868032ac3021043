#pragma once
// The jobs of one request's items x policies, checked against the service's limits before any is
// queued: every route that classifies (service/verdict_fanout.h, the playground) admits work here.

#include <vector>

#include "core/backend.h"
#include "service/service_context.h"
#include "service/verdict_fanout.h"

namespace arbiter::service {

// The job of `policy` as `f` asks for it (mode, effort, budget), with no content yet: the one
// place a classification's Job is made.
Job fanout_job(const Fanout& f, std::shared_ptr<const Policy> policy);

// Item-major jobs (item i against policy p at i * policies + p). Throws ServiceError too_large for
// content over max_content_tokens or longer than the model's context leaves room for beside a
// policy, or for more jobs than the queue holds: such requests can never be judged, and an error
// verdict must never stand in for a judgement.
std::vector<Job> fanout_jobs(ServiceContext& context, const Fanout& f);

}  // namespace arbiter::service
