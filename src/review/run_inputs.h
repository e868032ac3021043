#pragma once
// What a run judges and what it reports (service/eval_runs.h): its items, gathered from the
// policy's labelled set or its last logged decisions, and its results, as `arbiter eval` and
// `eval --compare` compute them.

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/content.h"
#include "core/verdict.h"
#include "review/eval_runs.h"
#include "service/service_context.h"

namespace arbiter::service {

// A run that cannot go on (an empty set, unreadable content): its message says why.
class RunError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RunInput {
    std::string id;  // "decision-12" or "review-7", as the labelled set's JSONL names it
    Content content;
    std::optional<bool> gold;
    nlohmann::ordered_json logged;  // replay: the verdict logged then (the baseline)
};

// What a stored run judges, from its spec (as POST /v1/runs stored it): whichever instance claims
// it builds the same plan. Throws RunError when a version it names is gone.
RunPlan plan_of(ServiceContext& context, const storage::Run& run);

// Throws RunError when there is nothing to judge.
std::vector<RunInput> run_inputs(ServiceContext& context, const RunPlan& plan);

// {"baseline", "candidate": METRICS with "curves", "comparison": eval::compare's answer}.
// `baseline` is empty for a replay (the logged verdicts stand in).
nlohmann::ordered_json run_results(const RunPlan& plan, const std::vector<RunInput>& inputs,
                                   const std::vector<Verdict>& candidate,
                                   const std::vector<Verdict>& baseline);

}  // namespace arbiter::service
