#pragma once
// Every item of a request against every policy, as every classification route runs them: the
// token limits and the queue bound checked before anything is queued, the deadline, what a
// timeout means, and each verdict in the decision log before it is returned.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/policy.h"
#include "core/rate_limit.h"
#include "core/verdict.h"
#include "service/classify_request.h"
#include "service/service_config.h"
#include "service/service_context.h"

namespace arbiter::service {

// One request's classification: every item against every policy.
struct Fanout {
    const std::string& request_id;
    const std::vector<ClassifyItem>& items;
    const std::vector<std::shared_ptr<const Policy>>& policies;
    const std::vector<bool>& inline_policy;
    Mode mode = Mode::reason;
    std::optional<ReasoningEffort> effort;
    int max_reasoning_tokens = 0;
    OnTimeout on_timeout = OnTimeout::error;
    bool store_content = true;  // false: the log keeps the content's hash only (doNotStore)
    // The API key that asked, and its limit on jobs (items times policies) per second.
    std::string caller = {};
    RateLimit caller_limit = {};
    Tracing tracing = {};  // the request's server span: its jobs' and its log write's parent
};

// Item-major verdicts (verdicts[i][p]: item i against policy p). Throws ServiceError: too_large for
// content or jobs over a limit, busy when the queue is full or the caller is over its
// jobs_per_second, timed_out when the deadline passes
// without an on_timeout decision.
std::vector<std::vector<Verdict>> run_items(ServiceContext& context, const Fanout& f);

}  // namespace arbiter::service
