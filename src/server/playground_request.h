#pragma once
// The body of POST /v1/playground, validated:
//
//   {"content": "text" | {"text"} | {"prompt", "response"} | {"messages": [...]},
//    "runs": [{"policy": "spam"}, {"policy": "spam", "version": 2}, {"policy": {a draft}}],
//    "mode": "reason" | "score", "effort": "low" | "medium" | "high", "max_reasoning_tokens": N}
//
// A run names a stored policy (its current version, or `version`) or carries a draft in PUT's
// JSON shape (no "id": it is called "draft"), one to four runs: versions side by side on the same
// content. Every problem is a ServiceError: invalid, naming the field; not_found for an unknown
// policy or version.

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/policy.h"
#include "service/classify_request.h"

namespace arbiter::service {

struct PlaygroundRequest {
    ClassifyItem item;
    std::vector<std::shared_ptr<const Policy>> policies;  // one per run
    std::vector<bool> drafts;                             // whether run i's policy is a draft
    RunSettings settings;
};

// A stored policy: `version`'s, or the current one; throws ServiceError not_found when there is none.
using StoredPolicy =
    std::function<std::shared_ptr<const Policy>(const std::string& id, std::optional<int> version)>;

PlaygroundRequest parse_playground_request(const nlohmann::json& body, const StoredPolicy& stored);

}  // namespace arbiter::service
