#pragma once
// Decision logs for tests, written the way `arbiter serve` writes them (storage::DecisionLog).

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/sha256.h"
#include "core/verdict_json.h"
#include "storage/decision_log.h"

namespace arbiter::test {

struct DecisionRow {
    std::string policy;
    std::string content_json;  // empty: the content was not stored (--no-store-content)
    int violation = -1;        // -1: none (the verdict has no decision)
    VerdictStatus status = VerdictStatus::ok;
    Tier tier = Tier::model;
    bool inline_policy = false;                             // sent with the request instead of stored
    std::string policy_text = "Flag scams.";                // what judged
    std::optional<double> fast_probability = std::nullopt;  // the cascade's fast tier ran (and passed it on)
};

// Appends `rows` to the decision log at `path` (created if missing), one request each.
inline void write_decisions(const std::string& path, const std::vector<DecisionRow>& rows) {
    storage::DecisionLog stored(path, true);
    storage::DecisionLog unstored(path, false);
    for (const DecisionRow& row : rows) {
        Verdict v;
        v.policy_id = row.policy;
        v.policy_version = 1;
        v.status = row.status;
        v.tier = row.tier;
        if (row.violation >= 0) v.violation = row.violation == 1;
        v.fast_probability = row.fast_probability;
        const storage::Decision d{"req",
                                  "item",
                                  row.content_json,
                                  "0",
                                  "reason",
                                  row.inline_policy,
                                  sha256_hex(row.policy_text),
                                  v,
                                  verdict_to_json("item", v)};
        (row.content_json.empty() ? unstored : stored).record({d});
    }
}

}  // namespace arbiter::test
