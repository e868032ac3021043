#pragma once
// OpenAI's Moderation API, served from a policy set: the request
//   {"input": "text" | ["text", ...] | [{"type": "text", "text": "..."}, ...], "model": "set name"}
// and the response
//   {"id", "model", "results": [{"flagged", "categories": {key: bool},
//    "category_scores": {key: P(violation)}, "category_applied_input_types": {key: ["text"]},
//    "verdicts": [arbiter's verdict objects, with the rationale]}]}
// so that OpenAI's own clients work unchanged; "verdicts" is an extra field they ignore. A
// policy's key is its id, or each OpenAI category the set maps it to (PolicySet::categories);
// OpenAI's categories that no policy answers for are absent, never reported as false. "model"
// is the name the request used (an alias too).

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/policy.h"
#include "core/verdict.h"
#include "service/classify_request.h"
#include "service/service_config.h"

namespace arbiter::service {

struct ModerationRequest {
    std::vector<ClassifyItem> inputs;
    std::optional<std::string> model;
};

// Throws ServiceError: invalid for a malformed body, too_large for more than `max_items` inputs.
ModerationRequest parse_moderation_request(const nlohmann::json& body, size_t max_items);

// verdicts[i][p]: input i against policies[p].
nlohmann::ordered_json moderation_response(const std::string& id, const std::string& model,
                                           const PolicySet& set,
                                           const std::vector<std::vector<Verdict>>& verdicts);

}  // namespace arbiter::service
