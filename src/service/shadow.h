#pragma once
// Shadow judging: after a request's live verdicts are logged, the same jobs on each policy's
// shadow version (storage/shadow_versions.h), in the background, their verdicts logged as shadow
// and never returned. They take queue slots only while at most half the queue is in use, so a
// shadow never makes live traffic wait or be refused; a job that finds no room is skipped and
// counted (ServiceContext::shadow_skipped).

#include <vector>

#include "core/verdict.h"
#include "service/verdict_fanout.h"

namespace arbiter::service {

// Submits the shadow jobs of `f` (stored policies with a shadow version only); returns at once.
void judge_in_shadow(ServiceContext& context, const Fanout& f);

}  // namespace arbiter::service
