#pragma once
// The body of POST /v1/classify, validated:
//
//   {"policies": ["spam", {"id": "x", "text": "...", "output": "json"}],   ids or inline policies
//    "content": "text" | {"prompt", "response"} | {"messages": [...]},      one item ...
//    "id": "item-1",
//    "items": [{"id", "content"}, ...],                                     ... or a batch
//    "mode": "reason" | "score", "effort": "low" | "medium" | "high", "max_reasoning_tokens": N}
//
// Every problem is a ServiceError (invalid, or too_large for too many items) naming the field.

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/content.h"
#include "core/policy.h"

namespace arbiter::service {

struct PolicyRef {
    std::string id;                               // a policy the server has ...
    std::shared_ptr<const Policy> inline_policy;  // ... or one sent with the request
};

struct ClassifyItem {
    std::string id;
    Content content;
    std::string content_json;  // as the decision log stores it
};

struct ClassifyRequest {
    std::vector<PolicyRef> policies;
    std::vector<ClassifyItem> items;
    bool batch = false;
    Mode mode = Mode::reason;
    std::optional<ReasoningEffort> effort;
    int max_reasoning_tokens = 0;
};

// How a request's jobs run: "mode", "effort" and "max_reasoning_tokens" of `body`, each optional.
struct RunSettings {
    Mode mode = Mode::reason;
    std::optional<ReasoningEffort> effort;
    int max_reasoning_tokens = 0;
};
RunSettings parse_run_settings(const nlohmann::json& body);

ClassifyRequest parse_classify_request(const nlohmann::json& body, size_t max_items);

// An item's content from the API's forms: a string is a message; an object is as in input files.
// Throws ServiceError invalid naming `field`.
ClassifyItem parse_item_content(const nlohmann::json& content, const std::string& field);

}  // namespace arbiter::service
