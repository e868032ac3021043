#include "review/run_inputs.h"

#include "core/content_json.h"
#include "core/content_layout.h"
#include "core/policy_json.h"
#include "core/service_error.h"
#include "core/utf8.h"
#include "core/verdict_json.h"
#include "eval/comparison.h"
#include "eval/evaluation.h"
#include "eval/predictions.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

// As much of the content as `arbiter eval` keeps in a prediction, for the flipped items' view.
constexpr size_t kContentShown = 4000;

Content content_of(const std::string& json, const std::string& id) {
    try {
        return content_from_json(nlohmann::json::parse(json));
    } catch (const std::exception& e) {
        throw RunError(id + ": its stored content cannot be read back (" + e.what() + ")");
    }
}

std::vector<RunInput> labelled_inputs(ServiceContext& context, const std::string& policy_id) {
    const std::vector<storage::Review> reviews = context.reviews.of_policy(policy_id);
    std::vector<RunInput> inputs;
    for (const storage::LabelledItem& item : storage::labelled_set(reviews)) {
        const storage::Review& first = *item.first;
        const std::string id = storage::labelled_item_id(first);
        inputs.push_back({id, content_of(first.content_json, id), item.violation, {}});
    }
    if (inputs.empty())
        throw RunError("the labelled set of '" + policy_id +
                       "' is empty: review some of its decisions first (Review queue)");
    return inputs;
}

std::vector<RunInput> replay_inputs(ServiceContext& context, const std::string& policy_id, size_t last) {
    storage::DecisionQuery query;
    query.policy = policy_id;
    query.limit = static_cast<int>(last);
    std::vector<RunInput> inputs;
    for (const ordered_json& row : context.log.query(query)) {
        if (row["content"].is_null() || row["policy_source"] != "stored") continue;
        const int64_t decision = row["decision_id"].get<int64_t>();
        const std::string id = "decision-" + std::to_string(decision);
        RunInput input{id, content_of(row["content"].dump(), id), std::nullopt, row["verdict"]};
        const std::vector<storage::Review> reviews = context.reviews.of_decision(decision);
        if (const std::vector<storage::LabelledItem> set = storage::labelled_set(reviews); !set.empty())
            input.gold = set.front().violation;
        inputs.push_back(std::move(input));
    }
    if (inputs.empty())
        throw RunError("'" + policy_id + "' has no logged decisions with stored content to replay");
    return inputs;
}

eval::Prediction prediction(ordered_json line, const RunInput& input) {
    line["id"] = input.id;
    line["gold"] = input.gold ? ordered_json(*input.gold) : ordered_json();
    line["content"] = valid_utf8(std::string_view(user_message(input.content)).substr(0, kContentShown));
    return eval::prediction_from_json(line);
}

// The policy's metrics, with the ROC and PR curves drawn from its threshold sweep.
ordered_json metrics(const std::vector<eval::Prediction>& predictions) {
    ordered_json all = eval::evaluate(predictions);
    ordered_json m = all["policies"].empty() ? ordered_json::object() : all["policies"][0];
    ordered_json roc = ordered_json::array({ordered_json::array({0.0, 0.0})});
    ordered_json pr = ordered_json::array();
    if (m.contains("threshold_sweep")) {
        for (const ordered_json& p : m["threshold_sweep"]) {
            roc.push_back({p["false_positive_rate"], p["recall"]});
            pr.push_back({p["recall"], p["precision"]});
        }
        m.erase("threshold_sweep");
    }
    m["curves"] = roc.size() > 1 ? ordered_json{{"roc", roc}, {"pr", pr}} : ordered_json();
    return m;
}

std::shared_ptr<const Policy> stored_version(ServiceContext& context, const std::string& id,
                                             const nlohmann::ordered_json& side) {
    if (!side.is_object() || !side.contains("version") || !side["version"].is_number_integer())
        throw RunError("the run's stored spec names no version");
    try {
        return context.known_version(id, side["version"].get<int>());
    } catch (const ServiceError& e) {
        throw RunError(std::string("the run's version is gone: ") + e.what());
    }
}

}  // namespace

RunPlan plan_of(ServiceContext& context, const storage::Run& run) {
    const nlohmann::ordered_json& spec = run.spec;
    RunPlan plan;
    plan.policy_id = run.policy_id;
    if (spec.contains("draft")) {
        try {
            plan.candidate = std::make_shared<const Policy>(policy_from_json(spec["draft"], run.policy_id));
        } catch (const PolicyError& e) {
            throw RunError(std::string("the run's stored draft is unreadable: ") + e.what());
        }
    } else {
        plan.candidate = stored_version(context, run.policy_id, spec.value("candidate", ordered_json()));
    }
    const ordered_json baseline = spec.value("baseline", ordered_json());
    if (!baseline.value("logged", false)) plan.baseline = stored_version(context, run.policy_id, baseline);
    const ordered_json items = spec.value("items", ordered_json::object());
    plan.replay = items.contains("replay") ? items["replay"].get<size_t>() : 0;
    plan.mode = parse_mode(spec.value("mode", std::string("score"))).value_or(Mode::score);
    return plan;
}

std::vector<RunInput> run_inputs(ServiceContext& context, const RunPlan& plan) {
    return plan.replay == 0 ? labelled_inputs(context, plan.policy_id)
                            : replay_inputs(context, plan.policy_id, plan.replay);
}

ordered_json run_results(const RunPlan& plan, const std::vector<RunInput>& inputs,
                         const std::vector<Verdict>& candidate, const std::vector<Verdict>& baseline) {
    std::vector<eval::Prediction> before;
    std::vector<eval::Prediction> after;
    for (size_t i = 0; i < inputs.size(); ++i) {
        after.push_back(prediction(verdict_to_json(inputs[i].id, candidate[i]), inputs[i]));
        if (plan.baseline) {
            before.push_back(prediction(verdict_to_json(inputs[i].id, baseline[i]), inputs[i]));
        } else if (inputs[i].logged.is_object()) {
            before.push_back(prediction(inputs[i].logged, inputs[i]));
        }
    }
    return {{"baseline", metrics(before)},
            {"candidate", metrics(after)},
            {"comparison", eval::compare(before, after)}};
}

}  // namespace arbiter::service
