#pragma once
// What the gateway judges with, and how: the policies of a stage (input or output; all when the
// configuration names none), those that judge the parts a conversation or an answer has, and which
// of them flag it, in score mode, logged.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/content.h"
#include "core/policy.h"
#include "service/service_context.h"

namespace arbiter::service {

// The policies `ids` names (ServiceError not_found for an unknown one), or every current policy.
std::vector<std::shared_ptr<const Policy>> stage_policies(ServiceContext& context,
                                                          const std::optional<std::vector<std::string>>& ids);

// The policies among `policies` that judge a part `turns` have (Policy::judges): text, a call of
// a tool they judge, a tool's result.
std::vector<std::shared_ptr<const Policy>> judging(const std::vector<std::shared_ptr<const Policy>>& policies,
                                                   const std::vector<Turn>& turns);

// Score-mode verdicts of `content` against `policies`, logged under `request_id` and `item_id`;
// the ids of those at or above their threshold (`threshold`, or each policy's stream threshold
// when it is absent). A verdict without a probability flags unless it says no violation. The
// jobs and decisions belong to `tracing`'s trace.
std::vector<std::string> flagged_by(ServiceContext& context, const std::string& request_id,
                                    const std::string& item_id, const Content& content,
                                    const std::vector<std::shared_ptr<const Policy>>& policies,
                                    std::optional<double> threshold, const Tracing& tracing = {});

// The same for several items at once, in one fanout: for each item (its id and content), the ids
// of the policies that flag it.
std::vector<std::vector<std::string>> flagged_each(ServiceContext& context, const std::string& request_id,
                                                   const std::vector<std::pair<std::string, Content>>& items,
                                                   const std::vector<std::shared_ptr<const Policy>>& policies,
                                                   std::optional<double> threshold,
                                                   const Tracing& tracing = {});

}  // namespace arbiter::service
