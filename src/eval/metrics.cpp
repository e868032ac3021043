#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

namespace arbiter::eval {

namespace {

double ratio(int64_t num, int64_t den) {
    return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

void require_same_size(size_t a, size_t b) {
    if (a != b) throw std::invalid_argument("gold labels and predictions differ in length");
}

Interval percentile_interval(std::vector<double> values) {
    if (values.empty()) return {};
    std::sort(values.begin(), values.end());
    const auto at = [&](double q) {
        const double pos = q * static_cast<double>(values.size() - 1);
        const size_t lo = static_cast<size_t>(std::floor(pos));
        const size_t hi = std::min(lo + 1, values.size() - 1);
        return values[lo] + (pos - static_cast<double>(lo)) * (values[hi] - values[lo]);
    };
    return {at(0.025), at(0.975)};
}

// Items sorted by descending score, cut into groups of equal score.
struct Ranked {
    std::vector<size_t> order;
    std::vector<size_t> group_ends;  // one past each group's last index in `order`
};

Ranked rank_descending(const std::vector<double>& scores) {
    Ranked r;
    r.order.resize(scores.size());
    std::iota(r.order.begin(), r.order.end(), 0);
    std::stable_sort(r.order.begin(), r.order.end(),
                     [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    for (size_t i = 0; i < r.order.size(); ++i) {
        if (i + 1 == r.order.size() || scores[r.order[i + 1]] != scores[r.order[i]])
            r.group_ends.push_back(i + 1);
    }
    return r;
}

// log C(n, k)
double log_choose(int64_t n, int64_t k) {
    return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
           std::lgamma(static_cast<double>(n - k) + 1);
}

}  // namespace

Confusion confusion(const std::vector<bool>& gold, const std::vector<bool>& predicted) {
    require_same_size(gold.size(), predicted.size());
    Confusion c;
    for (size_t i = 0; i < gold.size(); ++i) {
        if (gold[i]) {
            (predicted[i] ? c.tp : c.fn)++;
        } else {
            (predicted[i] ? c.fp : c.tn)++;
        }
    }
    return c;
}

double precision(const Confusion& c) {
    return ratio(c.tp, c.tp + c.fp);
}
double recall(const Confusion& c) {
    return ratio(c.tp, c.tp + c.fn);
}
double f1(const Confusion& c) {
    return ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
}
double accuracy(const Confusion& c) {
    return ratio(c.tp + c.tn, c.total());
}

BinaryMetrics binary_metrics(const std::vector<bool>& gold, const std::vector<bool>& predicted, int resamples,
                             uint64_t seed) {
    BinaryMetrics m;
    m.confusion = confusion(gold, predicted);
    m.precision = precision(m.confusion);
    m.recall = recall(m.confusion);
    m.f1 = f1(m.confusion);
    m.accuracy = accuracy(m.confusion);
    if (gold.empty() || resamples <= 0) return m;

    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<size_t> pick(0, gold.size() - 1);
    std::vector<double> p, r, f, a;
    for (int s = 0; s < resamples; ++s) {
        Confusion c;
        for (size_t i = 0; i < gold.size(); ++i) {
            const size_t k = pick(rng);
            if (gold[k]) {
                (predicted[k] ? c.tp : c.fn)++;
            } else {
                (predicted[k] ? c.fp : c.tn)++;
            }
        }
        p.push_back(precision(c));
        r.push_back(recall(c));
        f.push_back(f1(c));
        a.push_back(accuracy(c));
    }
    m.precision_ci = percentile_interval(std::move(p));
    m.recall_ci = percentile_interval(std::move(r));
    m.f1_ci = percentile_interval(std::move(f));
    m.accuracy_ci = percentile_interval(std::move(a));
    return m;
}

double roc_auc(const std::vector<bool>& gold, const std::vector<double>& scores) {
    require_same_size(gold.size(), scores.size());
    // Mann-Whitney: the chance a random positive outranks a random negative, ties counting half.
    const int64_t positives = std::count(gold.begin(), gold.end(), true);
    const int64_t negatives = static_cast<int64_t>(gold.size()) - positives;
    if (positives == 0 || negatives == 0) return 0.0;
    const Ranked ranked = rank_descending(scores);
    double wins = 0;
    int64_t negatives_above = 0;  // negatives in higher-scored groups
    size_t start = 0;
    for (size_t end : ranked.group_ends) {
        int64_t pos = 0, neg = 0;
        for (size_t i = start; i < end; ++i) (gold[ranked.order[i]] ? pos : neg)++;
        const int64_t negatives_below = negatives - negatives_above - neg;
        wins += static_cast<double>(pos) *
                (static_cast<double>(negatives_below) + 0.5 * static_cast<double>(neg));
        negatives_above += neg;
        start = end;
    }
    return wins / (static_cast<double>(positives) * static_cast<double>(negatives));
}

double average_precision(const std::vector<bool>& gold, const std::vector<double>& scores) {
    require_same_size(gold.size(), scores.size());
    const int64_t positives = std::count(gold.begin(), gold.end(), true);
    if (positives == 0) return 0.0;
    const Ranked ranked = rank_descending(scores);
    int64_t tp = 0, fp = 0;
    double ap = 0, last_recall = 0;
    size_t start = 0;
    for (size_t end : ranked.group_ends) {
        for (size_t i = start; i < end; ++i) (gold[ranked.order[i]] ? tp : fp)++;
        const double r = ratio(tp, positives);
        ap += (r - last_recall) * ratio(tp, tp + fp);
        last_recall = r;
        start = end;
    }
    return ap;
}

std::vector<ThresholdPoint> threshold_sweep(const std::vector<bool>& gold,
                                            const std::vector<double>& scores) {
    require_same_size(gold.size(), scores.size());
    const int64_t positives = std::count(gold.begin(), gold.end(), true);
    const Ranked ranked = rank_descending(scores);
    std::vector<ThresholdPoint> out;
    Confusion c;
    c.fn = positives;
    c.tn = static_cast<int64_t>(gold.size()) - positives;
    size_t start = 0;
    for (size_t end : ranked.group_ends) {
        for (size_t i = start; i < end; ++i) {
            if (gold[ranked.order[i]]) {
                c.tp++;
                c.fn--;
            } else {
                c.fp++;
                c.tn--;
            }
        }
        const double negatives = static_cast<double>(c.fp + c.tn);
        out.push_back({scores[ranked.order[start]], precision(c), recall(c), f1(c),
                       negatives > 0 ? static_cast<double>(c.fp) / negatives : 0.0});
        start = end;
    }
    return out;
}

ThresholdPoint best_f1_threshold(const std::vector<bool>& gold, const std::vector<double>& scores) {
    ThresholdPoint best;
    for (const ThresholdPoint& p : threshold_sweep(gold, scores)) {
        if (p.f1 > best.f1) best = p;
    }
    return best;
}

McNemar mcnemar(const std::vector<bool>& gold, const std::vector<bool>& first,
                const std::vector<bool>& second) {
    require_same_size(gold.size(), first.size());
    require_same_size(gold.size(), second.size());
    McNemar m;
    for (size_t i = 0; i < gold.size(); ++i) {
        const bool a = first[i] == gold[i];
        const bool b = second[i] == gold[i];
        if (a && !b) m.only_first_right++;
        if (!a && b) m.only_second_right++;
    }
    const int64_t n = m.only_first_right + m.only_second_right;
    const int64_t k = std::min(m.only_first_right, m.only_second_right);
    if (n == 0) return m;
    // Two-sided exact binomial test: 2 * P(X <= k), X ~ Binomial(n, 1/2), capped at 1.
    double tail = 0;
    for (int64_t i = 0; i <= k; ++i)
        tail += std::exp(log_choose(n, i) - static_cast<double>(n) * std::log(2.0));
    m.p_value = std::min(1.0, 2 * tail);
    return m;
}

ThresholdPoint threshold_for_recall(const std::vector<bool>& gold, const std::vector<double>& scores,
                                    double target) {
    for (const ThresholdPoint& p : threshold_sweep(gold, scores)) {
        if (p.recall >= target) return p;
    }
    return {};
}

}  // namespace arbiter::eval
