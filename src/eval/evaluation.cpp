#include "eval/evaluation.h"

#include <algorithm>
#include <map>
#include <set>

#include "eval/metrics.h"

namespace arbiter::eval {

namespace {

nlohmann::ordered_json rate(double value, const Interval& ci) {
    return {{"value", value}, {"ci95", {ci.low, ci.high}}};
}

const char* const kTiers[] = {"rules", "fast", "model"};

nlohmann::ordered_json tier_shares(const std::vector<const Prediction*>& preds) {
    nlohmann::ordered_json j;
    for (const char* tier : kTiers) {
        size_t n = 0;
        for (const Prediction* p : preds) n += p->tier == tier ? 1 : 0;
        j[tier] = {
            {"items", n},
            {"share", preds.empty() ? 0.0 : static_cast<double>(n) / static_cast<double>(preds.size())}};
    }
    return j;
}

// How well the fast tier's probability ranks the items it saw, and the safe_below for a recall.
nlohmann::ordered_json fast_tier_metrics(const std::vector<const Prediction*>& preds, double target_recall) {
    std::vector<bool> gold;
    std::vector<double> scores;
    for (const Prediction* p : preds) {
        if (!p->fast_probability || !p->gold) continue;
        gold.push_back(*p->gold);
        scores.push_back(*p->fast_probability);
    }
    if (scores.empty()) return nullptr;
    const bool both = std::find(gold.begin(), gold.end(), true) != gold.end() &&
                      std::find(gold.begin(), gold.end(), false) != gold.end();
    const ThresholdPoint t = threshold_for_recall(gold, scores, target_recall);
    return {{"items", scores.size()},
            {"roc_auc", both ? nlohmann::ordered_json(roc_auc(gold, scores)) : nlohmann::ordered_json()},
            {"safe_below_for_recall",
             {{"target_recall", target_recall},
              {"safe_below", t.threshold},
              {"recall", t.recall},
              {"precision", t.precision}}}};
}

// Work the model did: uncached prompt tokens and generated tokens.
double model_tokens(const Prediction& p) {
    return static_cast<double>(p.prompt_tokens - p.cached_tokens + p.completion_tokens);
}

nlohmann::ordered_json cascade_cost(const std::vector<Prediction>& predictions) {
    double tokens = 0, seconds = 0, reasoned_tokens = 0, reasoned_seconds = 0;
    size_t reasoned = 0;
    for (const Prediction& p : predictions) {
        tokens += model_tokens(p);
        seconds += p.latency_ms / 1000.0;
        if (p.tier == "model" && p.completion_tokens > 0) {
            ++reasoned;
            reasoned_tokens += model_tokens(p);
            reasoned_seconds += p.latency_ms / 1000.0;
        }
    }
    nlohmann::ordered_json j;
    j["reasoned"] = reasoned;
    j["model_tokens"] = tokens;
    j["seconds"] = seconds;
    if (reasoned == 0) {
        j["vs_reasoning_everything"] = nullptr;  // no reasoned item to estimate from
        return j;
    }
    const double n = static_cast<double>(predictions.size());
    const double all_tokens = reasoned_tokens / static_cast<double>(reasoned) * n;
    const double all_seconds = reasoned_seconds / static_cast<double>(reasoned) * n;
    j["vs_reasoning_everything"] = {{"estimated_model_tokens", all_tokens},
                                    {"estimated_seconds", all_seconds},
                                    {"token_ratio", all_tokens > 0 ? tokens / all_tokens : 0.0},
                                    {"seconds_ratio", all_seconds > 0 ? seconds / all_seconds : 0.0}};
    return j;
}

nlohmann::ordered_json policy_metrics(const std::string& policy, const std::vector<const Prediction*>& preds,
                                      int bootstrap, double target_recall) {
    std::vector<bool> gold, predicted;
    std::vector<bool> scored_gold;
    std::vector<double> scores;
    size_t unparseable = 0, errors = 0, unknown = 0;
    for (const Prediction* p : preds) {
        if (p->status == "unparseable") ++unparseable;
        if (p->status == "error" || p->status == "timeout") ++errors;
        if (!p->gold) ++unknown;
        if (p->status != "ok" || !p->gold || !p->violation) continue;
        gold.push_back(*p->gold);
        predicted.push_back(*p->violation);
        if (p->probability) {
            scored_gold.push_back(*p->gold);
            scores.push_back(*p->probability);
        }
    }
    const double n = static_cast<double>(preds.size());
    nlohmann::ordered_json j;
    j["policy"] = policy;
    j["items"] = preds.size();
    j["evaluated"] = gold.size();
    j["unknown_gold"] = unknown;
    j["unparseable_rate"] = n > 0 ? static_cast<double>(unparseable) / n : 0.0;
    j["error_rate"] = n > 0 ? static_cast<double>(errors) / n : 0.0;
    const BinaryMetrics m = binary_metrics(gold, predicted, bootstrap);
    j["confusion"] = {
        {"tp", m.confusion.tp}, {"fp", m.confusion.fp}, {"tn", m.confusion.tn}, {"fn", m.confusion.fn}};
    j["precision"] = rate(m.precision, m.precision_ci);
    j["recall"] = rate(m.recall, m.recall_ci);
    j["f1"] = rate(m.f1, m.f1_ci);
    j["accuracy"] = rate(m.accuracy, m.accuracy_ci);
    const bool both_classes = m.confusion.tp + m.confusion.fn > 0 && m.confusion.tn + m.confusion.fp > 0;
    if (!scores.empty() && scores.size() == gold.size()) {
        // Ranking metrics are undefined with one class only.
        j["roc_auc"] =
            both_classes ? nlohmann::ordered_json(roc_auc(scored_gold, scores)) : nlohmann::ordered_json();
        j["pr_auc"] = both_classes ? nlohmann::ordered_json(average_precision(scored_gold, scores))
                                   : nlohmann::ordered_json();
        const ThresholdPoint best = best_f1_threshold(scored_gold, scores);
        j["best_f1_threshold"] = {{"threshold", best.threshold},
                                  {"precision", best.precision},
                                  {"recall", best.recall},
                                  {"f1", best.f1}};
        nlohmann::ordered_json sweep = nlohmann::ordered_json::array();
        for (const ThresholdPoint& p : threshold_sweep(scored_gold, scores)) {
            sweep.push_back(
                {{"threshold", p.threshold}, {"precision", p.precision}, {"recall", p.recall}, {"f1", p.f1}});
        }
        j["threshold_sweep"] = std::move(sweep);
    }
    j["tiers"] = tier_shares(preds);
    if (auto fast = fast_tier_metrics(preds, target_recall); !fast.is_null())
        j["fast_tier"] = std::move(fast);
    return j;
}

}  // namespace

nlohmann::ordered_json evaluate(const std::vector<Prediction>& predictions, int bootstrap,
                                double target_recall) {
    std::map<std::string, std::vector<const Prediction*>> by_policy;
    std::map<std::string, std::vector<const Prediction*>> by_item;
    for (const Prediction& p : predictions) {
        by_policy[p.policy].push_back(&p);
        by_item[p.id].push_back(&p);
    }

    nlohmann::ordered_json out;
    out["policies"] = nlohmann::ordered_json::array();
    for (const auto& [policy, preds] : by_policy)
        out["policies"].push_back(policy_metrics(policy, preds, bootstrap, target_recall));

    // An item counts when every policy judged it, knew its gold, and matched it.
    size_t counted = 0, all_right = 0;
    double prompt = 0, cached = 0, completion = 0, seconds = 0;
    for (const auto& [id, preds] : by_item) {
        bool usable = preds.size() == by_policy.size();
        bool right = true;
        for (const Prediction* p : preds) {
            prompt += p->prompt_tokens;
            cached += p->cached_tokens;
            completion += p->completion_tokens;
            seconds += p->latency_ms / 1000.0;
            if (p->status != "ok" || !p->gold || !p->violation)
                usable = false;
            else if (*p->gold != *p->violation)
                right = false;
        }
        if (!usable) continue;
        ++counted;
        if (right) ++all_right;
    }
    const double items = static_cast<double>(by_item.size());
    out["multi_policy_accuracy"] = {
        {"value", counted > 0 ? static_cast<double>(all_right) / static_cast<double>(counted) : 0.0},
        {"items", counted}};
    out["cost_per_item"] = {{"prompt_tokens", items > 0 ? prompt / items : 0.0},
                            {"cached_tokens", items > 0 ? cached / items : 0.0},
                            {"completion_tokens", items > 0 ? completion / items : 0.0},
                            {"seconds", items > 0 ? seconds / items : 0.0}};
    std::vector<const Prediction*> all;
    all.reserve(predictions.size());
    for (const Prediction& p : predictions) all.push_back(&p);
    out["tiers"] = tier_shares(all);
    out["cascade_cost"] = cascade_cost(predictions);
    out["items"] = by_item.size();
    out["predictions"] = predictions.size();
    return out;
}

}  // namespace arbiter::eval
