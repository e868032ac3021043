#pragma once
// The decision-log row of one classification verdict: the one place such a row is made, with its
// fields named, for every route that classifies (classify, moderations, Perspective, the gateway,
// the playground) and for shadow versions.

#include <string>

#include "core/backend.h"
#include "core/verdict.h"
#include "service/classify_request.h"
#include "storage/decision_log.h"

namespace arbiter::service {

// Where a verdict came from besides its policy: the request, the item and how it was judged.
struct DecisionSource {
    const std::string& request_id;
    const ClassifyItem& item;
    const std::string& content_sha256;  // of the item's user message: hashed once per item
    Mode mode = Mode::reason;
    bool inline_policy = false;  // the policy came with the request (or is a draft)
    bool store_content = true;   // false: the log keeps the content's hash only
    bool shadow = false;         // a shadow version's verdict, never returned
    std::string trace_id = {};   // the request's W3C trace (empty: none)
};

// The row for `verdict` of the policy whose text hashes to `policy_sha256` (hashed once per
// policy, not per row); its verdict_json is the verdict as the client gets it.
storage::Decision decision_row(const DecisionSource& source, const std::string& policy_sha256,
                               Verdict verdict);

}  // namespace arbiter::service
