#include "cascade/thresholds.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace arbiter::cascade {

namespace {

// P(X >= k) for X ~ Binomial(n, p), summed in log space from k up until the terms stop counting.
double upper_tail(size_t k, size_t n, double p) {
    if (k == 0) return 1;
    if (p <= 0) return 0;
    if (p >= 1) return 1;
    const double lp = std::log(p), lq = std::log1p(-p);
    const auto dn = static_cast<double>(n);
    double sum = 0;
    for (size_t i = k; i <= n; ++i) {
        const auto di = static_cast<double>(i);
        const double term = std::exp(std::lgamma(dn + 1) - std::lgamma(di + 1) - std::lgamma(dn - di + 1) +
                                     di * lp + (dn - di) * lq);
        sum += term;
        if (term < sum * 1e-17 && di > dn * p) break;  // past the mode the terms only shrink
    }
    return std::min(sum, 1.0);
}

// Whether the lower bound of k of n reaches `target`: the bound is the p at which k or more
// successes have probability 1 - confidence, and that tail grows with p.
bool bound_reaches(size_t k, size_t n, double target, double confidence) {
    if (n == 0) return false;
    if (static_cast<double>(k) <= target * static_cast<double>(n)) return false;  // not even the estimate
    return upper_tail(k, n, target) <= 1 - confidence;
}

}  // namespace

double proportion_lower_bound(size_t k, size_t n, double confidence) {
    if (k == 0 || n == 0) return 0;
    double lo = 0, hi = static_cast<double>(k) / static_cast<double>(n);
    for (int i = 0; i < 60; ++i) {
        const double mid = (lo + hi) / 2;
        (upper_tail(k, n, mid) <= 1 - confidence ? lo : hi) = mid;
    }
    return lo;
}

ThresholdChoice choose_thresholds(const std::vector<bool>& gold, const std::vector<double>& scores,
                                  double target_recall, double target_precision, double confidence) {
    ThresholdChoice c;
    c.items = scores.size();
    std::vector<size_t> order(scores.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
    std::vector<double> positive;  // violations' scores, highest first
    for (const size_t i : order)
        if (gold[i]) positive.push_back(scores[i]);
    c.violations = positive.size();
    const auto n = static_cast<double>(c.items);

    // safe_below: the score of the fewest top violations whose recall bound reaches the target
    // (the bound grows with the number kept). Violations tied with it are kept too.
    for (size_t k = 1; k <= positive.size(); ++k) {
        if (!bound_reaches(k, positive.size(), target_recall, confidence)) continue;
        c.recall_reachable = true;
        c.safe_below = positive[k - 1];
        break;
    }
    size_t kept = 0, below = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
        if (scores[i] < c.safe_below) ++below;
        if (gold[i] && scores[i] >= c.safe_below) ++kept;
    }
    c.recall_kept = positive.empty() ? 1 : static_cast<double>(kept) / static_cast<double>(positive.size());
    c.recall_bound = proportion_lower_bound(kept, positive.size(), confidence);
    c.share_safe = n > 0 ? static_cast<double>(below) / n : 0;

    // violate_above: the lowest cut between two distinct scores (items strictly above it are
    // violations) whose precision bound reaches the target, never reaching into the fast-safe.
    size_t best = 0, best_tp = 0, tp = 0;
    for (size_t j = 1; j <= order.size(); ++j) {
        tp += gold[order[j - 1]] ? 1 : 0;
        const double cut = j < order.size() ? scores[order[j]] : 0.0;
        if (j < order.size() && scores[order[j - 1]] == cut) continue;  // not a clean cut
        if (cut < c.safe_below) break;
        if (bound_reaches(tp, j, target_precision, confidence)) best = j, best_tp = tp;
    }
    if (best > 0) {
        c.precision_reachable = true;
        c.violate_above = best < order.size() ? scores[order[best]] : 0.0;
        c.precision_above = static_cast<double>(best_tp) / static_cast<double>(best);
        c.precision_bound = proportion_lower_bound(best_tp, best, confidence);
        c.share_violation = static_cast<double>(best) / n;
    }
    return c;
}

}  // namespace arbiter::cascade
