// Evaluation metrics against hand-computed fixtures and against scikit-learn (Debian's
// python3-sklearn, run by tests/sklearn_reference.py) on generated cases, to 1e-9.

#include "eval/metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/test_model.h"

namespace arbiter::eval {
namespace {

std::vector<bool> bools(const nlohmann::json& j) {
    std::vector<bool> out;
    for (const auto& v : j) out.push_back(v.get<int>() != 0);
    return out;
}

TEST(Metrics, HandComputedConfusion) {
    // 3 TP, 1 FN, 2 FP, 4 TN.
    const std::vector<bool> gold = {true, true, true, true, false, false, false, false, false, false};
    const std::vector<bool> pred = {true, true, true, false, true, true, false, false, false, false};
    const BinaryMetrics m = binary_metrics(gold, pred, 0);
    EXPECT_EQ(m.confusion.tp, 3);
    EXPECT_EQ(m.confusion.fn, 1);
    EXPECT_EQ(m.confusion.fp, 2);
    EXPECT_EQ(m.confusion.tn, 4);
    EXPECT_DOUBLE_EQ(m.precision, 3.0 / 5.0);
    EXPECT_DOUBLE_EQ(m.recall, 3.0 / 4.0);
    EXPECT_DOUBLE_EQ(m.f1, 6.0 / 9.0);
    EXPECT_DOUBLE_EQ(m.accuracy, 7.0 / 10.0);
}

TEST(Metrics, EmptyDenominatorsAreZero) {
    const BinaryMetrics m = binary_metrics({false, false}, {false, false}, 0);
    EXPECT_EQ(m.precision, 0.0);
    EXPECT_EQ(m.recall, 0.0);
    EXPECT_EQ(m.f1, 0.0);
    EXPECT_EQ(m.accuracy, 1.0);
    EXPECT_EQ(roc_auc({false, false}, {0.1, 0.2}), 0.0);
    EXPECT_THROW(confusion({true}, {true, false}), std::invalid_argument);
}

TEST(Metrics, HandComputedRanking) {
    // Scores 0.9(+) 0.8(-) 0.7(+) 0.7(-) 0.1(-): positives beat 2/3 and 2.5/3 of negatives.
    const std::vector<bool> gold = {true, false, true, false, false};
    const std::vector<double> scores = {0.9, 0.8, 0.7, 0.7, 0.1};
    EXPECT_DOUBLE_EQ(roc_auc(gold, scores), (3.0 + 1.5) / 6.0);
    // Thresholds 0.9: P=1 R=.5; 0.8: P=.5 R=.5; 0.7: P=.5 R=1; 0.1: P=.4 R=1.
    EXPECT_DOUBLE_EQ(average_precision(gold, scores), 0.5 * 1.0 + 0.5 * 0.5);
    const auto sweep = threshold_sweep(gold, scores);
    ASSERT_EQ(sweep.size(), 4u);
    EXPECT_EQ(sweep[2].threshold, 0.7);
    EXPECT_DOUBLE_EQ(sweep[2].precision, 0.5);
    EXPECT_DOUBLE_EQ(sweep[2].recall, 1.0);
    const ThresholdPoint best = best_f1_threshold(gold, scores);
    EXPECT_EQ(best.threshold, 0.9);  // F1 2/3, tied with 0.7: the higher threshold wins
    EXPECT_DOUBLE_EQ(best.f1, 2.0 / 3.0);
}

TEST(Metrics, McNemarExact) {
    // b = 1, c = 7: p = 2 * P(X <= 1 | n = 8) = 2 * 9/256.
    std::vector<bool> gold(7, true), first(7, false), second(7, true);
    first.push_back(true);
    second.push_back(false);
    gold.push_back(true);
    const McNemar m = mcnemar(gold, first, second);
    EXPECT_EQ(m.only_first_right, 1);
    EXPECT_EQ(m.only_second_right, 7);
    EXPECT_NEAR(m.p_value, 18.0 / 256.0, 1e-15);
    EXPECT_NEAR(mcnemar(gold, first, first).p_value, 1.0, 1e-15);
}

TEST(Metrics, BootstrapIntervalsAreReproducibleAndNarrowWithMoreData) {
    std::vector<bool> gold, pred;
    for (int i = 0; i < 400; ++i) {
        gold.push_back(i % 3 == 0);
        pred.push_back(i % 3 == 0 ? i % 5 != 0 : i % 7 == 0);
    }
    const BinaryMetrics a = binary_metrics(gold, pred, 500, 42);
    const BinaryMetrics b = binary_metrics(gold, pred, 500, 42);
    EXPECT_EQ(a.f1_ci.low, b.f1_ci.low);
    EXPECT_EQ(a.f1_ci.high, b.f1_ci.high);
    for (const auto& [value, ci] : {std::pair{a.precision, a.precision_ci}, std::pair{a.recall, a.recall_ci},
                                    std::pair{a.f1, a.f1_ci}, std::pair{a.accuracy, a.accuracy_ci}}) {
        EXPECT_LE(ci.low, value);
        EXPECT_GE(ci.high, value);
        EXPECT_LT(ci.high - ci.low, 0.25);
    }
    const std::vector<bool> small_gold(gold.begin(), gold.begin() + 40),
        small_pred(pred.begin(), pred.begin() + 40);
    const BinaryMetrics s = binary_metrics(small_gold, small_pred, 500, 42);
    EXPECT_GT(s.f1_ci.high - s.f1_ci.low, a.f1_ci.high - a.f1_ci.low);
}

class SklearnCase : public testing::TestWithParam<int> {};

TEST_P(SklearnCase, MatchesScikitLearn) {
    const auto r = test::run_command("/usr/bin/python3 " ARBITER_SOURCE_DIR "/tests/sklearn_reference.py " +
                                     std::to_string(GetParam()) + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << "python3-sklearn is needed (scripts/deps installs it):\n" << r.output;
    const auto ref = nlohmann::json::parse(r.output);
    const std::vector<bool> gold = bools(ref["gold"]);
    const std::vector<bool> predicted = bools(ref["predicted"]);
    const std::vector<double> scores = ref["scores"].get<std::vector<double>>();

    const BinaryMetrics m = binary_metrics(gold, predicted, 0);
    EXPECT_NEAR(m.precision, ref["precision"].get<double>(), 1e-9);
    EXPECT_NEAR(m.recall, ref["recall"].get<double>(), 1e-9);
    EXPECT_NEAR(m.f1, ref["f1"].get<double>(), 1e-9);
    EXPECT_NEAR(m.accuracy, ref["accuracy"].get<double>(), 1e-9);
    const auto cm = ref["confusion"].get<std::vector<int64_t>>();  // tn, fp, fn, tp
    EXPECT_EQ(m.confusion.tn, cm[0]);
    EXPECT_EQ(m.confusion.fp, cm[1]);
    EXPECT_EQ(m.confusion.fn, cm[2]);
    EXPECT_EQ(m.confusion.tp, cm[3]);
    EXPECT_NEAR(roc_auc(gold, scores), ref["roc_auc"].get<double>(), 1e-9);
    EXPECT_NEAR(average_precision(gold, scores), ref["average_precision"].get<double>(), 1e-9);

    // sklearn lists thresholds ascending (up to full recall); the sweep goes descending.
    const auto thresholds = ref["pr_thresholds"].get<std::vector<double>>();
    const auto precisions = ref["pr_precision"].get<std::vector<double>>();
    const auto recalls = ref["pr_recall"].get<std::vector<double>>();
    const auto sweep = threshold_sweep(gold, scores);
    ASSERT_GE(sweep.size(), thresholds.size());
    for (size_t i = 0; i < thresholds.size(); ++i) {
        const ThresholdPoint& p = sweep[thresholds.size() - 1 - i];
        EXPECT_NEAR(p.threshold, thresholds[i], 1e-12);
        EXPECT_NEAR(p.precision, precisions[i], 1e-9);
        EXPECT_NEAR(p.recall, recalls[i], 1e-9);
    }

    const McNemar mc = mcnemar(gold, predicted, bools(ref["second"]));
    EXPECT_EQ(mc.only_first_right, ref["mcnemar_b"].get<int64_t>());
    EXPECT_EQ(mc.only_second_right, ref["mcnemar_c"].get<int64_t>());
    EXPECT_NEAR(mc.p_value, ref["mcnemar_p"].get<double>(), 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SklearnCase, testing::Values(0, 1, 2, 3));

}  // namespace
}  // namespace arbiter::eval
