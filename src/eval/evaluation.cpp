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

nlohmann::ordered_json optional_number(bool defined, double v) {
    return defined ? nlohmann::ordered_json(v) : nlohmann::ordered_json();
}

// What the configured thresholds do on the items the fast tier scored: the violations they keep
// for the later tiers and the share they decide alone.
nlohmann::ordered_json at_configured(const std::vector<bool>& gold, const std::vector<double>& scores,
                                     const FastThresholds& t) {
    size_t violations = 0, kept = 0, safe = 0, flagged = 0, flagged_right = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
        violations += gold[i] ? 1 : 0;
        if (gold[i] && scores[i] >= t.safe_below) ++kept;
        if (scores[i] < t.safe_below) ++safe;
        if (scores[i] > t.violate_above) {
            ++flagged;
            flagged_right += gold[i] ? 1 : 0;
        }
    }
    const auto n = static_cast<double>(scores.size());
    return {{"safe_below", t.safe_below},
            {"violate_above", t.violate_above},
            {"recall_kept",
             optional_number(violations > 0, static_cast<double>(kept) / static_cast<double>(violations))},
            {"share_safe", static_cast<double>(safe) / n},
            {"share_violation", static_cast<double>(flagged) / n},
            {"share_decided", static_cast<double>(safe + flagged) / n},
            {"precision_above", optional_number(flagged > 0, static_cast<double>(flagged_right) /
                                                                 static_cast<double>(flagged))}};
}

// How well the fast tier's probability ranks the items it saw, the safe_below for a recall,
// and what the configured thresholds keep and decide.
nlohmann::ordered_json fast_tier_metrics(const std::vector<const Prediction*>& preds, double target_recall,
                                         const FastThresholds* configured) {
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
    nlohmann::ordered_json j = {{"items", scores.size()},
                                {"roc_auc", optional_number(both, both ? roc_auc(gold, scores) : 0)},
                                {"pr_auc", optional_number(both, both ? average_precision(gold, scores) : 0)},
                                {"safe_below_for_recall",
                                 {{"target_recall", target_recall},
                                  {"safe_below", t.threshold},
                                  {"recall", t.recall},
                                  {"precision", t.precision}}}};
    if (configured != nullptr) j["configured"] = at_configured(gold, scores, *configured);
    return j;
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
                                      int bootstrap, double target_recall, const FastThresholds* configured) {
    std::vector<bool> gold, predicted;
    std::vector<bool> scored_gold;
    std::vector<double> scores;
    size_t unparseable = 0, errors = 0, unknown = 0, by_model = 0;
    for (const Prediction* p : preds) {
        if (p->status == "unparseable") ++unparseable;
        if (p->status == "error" || p->status == "timeout") ++errors;
        if (!p->gold) ++unknown;
        if (p->status != "ok" || !p->gold || !p->violation) continue;
        gold.push_back(*p->gold);
        predicted.push_back(*p->violation);
        if (p->tier != "model") continue;  // another scorer's scale: not on the model's curves
        ++by_model;
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
    const bool both_classes = std::find(scored_gold.begin(), scored_gold.end(), true) != scored_gold.end() &&
                              std::find(scored_gold.begin(), scored_gold.end(), false) != scored_gold.end();
    if (!scores.empty() && scores.size() == by_model) {
        // Ranking metrics are undefined with one class only.
        j["ranking_items"] = {{"scorer", "model"}, {"items", scores.size()}};
        j["roc_auc"] = optional_number(both_classes, both_classes ? roc_auc(scored_gold, scores) : 0);
        j["pr_auc"] =
            optional_number(both_classes, both_classes ? average_precision(scored_gold, scores) : 0);
        const ThresholdPoint best = best_f1_threshold(scored_gold, scores);
        j["best_f1_threshold"] = {{"threshold", best.threshold},
                                  {"precision", best.precision},
                                  {"recall", best.recall},
                                  {"f1", best.f1}};
        nlohmann::ordered_json sweep = nlohmann::ordered_json::array();
        for (const ThresholdPoint& p : threshold_sweep(scored_gold, scores)) {
            sweep.push_back({{"threshold", p.threshold},
                             {"precision", p.precision},
                             {"recall", p.recall},
                             {"f1", p.f1},
                             {"false_positive_rate", p.false_positive_rate}});
        }
        j["threshold_sweep"] = std::move(sweep);
    }
    j["tiers"] = tier_shares(preds);
    if (auto fast = fast_tier_metrics(preds, target_recall, configured); !fast.is_null())
        j["fast_tier"] = std::move(fast);
    return j;
}

}  // namespace

nlohmann::ordered_json evaluate(const std::vector<Prediction>& predictions, int bootstrap,
                                double target_recall,
                                const std::map<std::string, FastThresholds>& configured) {
    std::map<std::string, std::vector<const Prediction*>> by_policy;
    std::map<std::string, std::vector<const Prediction*>> by_item;
    for (const Prediction& p : predictions) {
        by_policy[p.policy].push_back(&p);
        by_item[p.id].push_back(&p);
    }

    nlohmann::ordered_json out;
    out["policies"] = nlohmann::ordered_json::array();
    for (const auto& [policy, preds] : by_policy) {
        const auto c = configured.find(policy);
        out["policies"].push_back(policy_metrics(policy, preds, bootstrap, target_recall,
                                                 c == configured.end() ? nullptr : &c->second));
    }

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
