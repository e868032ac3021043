#pragma once
// Classification metrics for evaluating a policy against gold labels: the confusion matrix and
// the rates derived from it (with bootstrap intervals), ranking quality of probabilities (ROC-AUC,
// average precision, a threshold sweep), and McNemar's test for two runs on the same items.
// Definitions follow scikit-learn's, so numbers can be checked against it; a rate with an empty
// denominator is 0, as scikit-learn's zero_division default gives.

#include <cstdint>
#include <vector>

namespace arbiter::eval {

struct Confusion {
    int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    int64_t total() const { return tp + fp + tn + fn; }
};

Confusion confusion(const std::vector<bool>& gold, const std::vector<bool>& predicted);

double precision(const Confusion& c);
double recall(const Confusion& c);
double f1(const Confusion& c);
double accuracy(const Confusion& c);

struct Interval {
    double low = 0, high = 0;
};

struct BinaryMetrics {
    Confusion confusion;
    double precision = 0, recall = 0, f1 = 0, accuracy = 0;
    // 95% percentile-bootstrap intervals over items resampled with replacement.
    Interval precision_ci, recall_ci, f1_ci, accuracy_ci;
};

// `resamples` bootstrap draws with a fixed `seed`, so a report is reproducible.
BinaryMetrics binary_metrics(const std::vector<bool>& gold, const std::vector<bool>& predicted,
                             int resamples = 1000, uint64_t seed = 1);

// Area under the ROC curve (ties count half), as sklearn.metrics.roc_auc_score. 0 when one class
// is absent (sklearn raises instead).
double roc_auc(const std::vector<bool>& gold, const std::vector<double>& scores);

// Average precision (the step-wise area under the precision-recall curve), as
// sklearn.metrics.average_precision_score.
double average_precision(const std::vector<bool>& gold, const std::vector<double>& scores);

struct ThresholdPoint {
    double threshold = 0;  // predict a violation when score >= threshold
    double precision = 0, recall = 0, f1 = 0;
    double false_positive_rate = 0;  // with recall, the point's place on the ROC curve
};

// One point per distinct score, highest threshold first (sklearn's precision_recall_curve
// thresholds, reversed).
std::vector<ThresholdPoint> threshold_sweep(const std::vector<bool>& gold, const std::vector<double>& scores);

// The sweep point with the highest F1 (the highest threshold among equals).
ThresholdPoint best_f1_threshold(const std::vector<bool>& gold, const std::vector<double>& scores);

// The highest threshold whose recall reaches `target` (what a cascade's safe_below can be set to
// without losing more recall than that): the sweep point, or a zero point when no score is
// positive.
ThresholdPoint threshold_for_recall(const std::vector<bool>& gold, const std::vector<double>& scores,
                                    double target);

struct McNemar {
    int64_t only_first_right = 0;   // b: the first run right, the second wrong
    int64_t only_second_right = 0;  // c: the second run right, the first wrong
    double p_value = 1;             // exact two-sided binomial test of b against c
};

McNemar mcnemar(const std::vector<bool>& gold, const std::vector<bool>& first,
                const std::vector<bool>& second);

}  // namespace arbiter::eval
