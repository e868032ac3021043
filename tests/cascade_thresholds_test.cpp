// The fast tier's thresholds keep their promise: chosen from out-of-fold scores with a lower
// confidence bound (cascade/thresholds.h), they keep the target recall on items never seen, on
// real data from ../shared/data.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "cascade/cross_validation.h"
#include "cascade/judged_text.h"
#include "cascade/thresholds.h"
#include "eval/dataset.h"
#include "eval/label_map.h"

namespace arbiter::cascade {
namespace {

TEST(Thresholds, ClopperPearsonLowerBound) {
    // k = n has the closed form alpha^(1/n).
    EXPECT_NEAR(proportion_lower_bound(51, 51, 0.95), std::pow(0.05, 1.0 / 51), 1e-9);
    EXPECT_NEAR(proportion_lower_bound(10, 10, 0.9), std::pow(0.1, 1.0 / 10), 1e-9);
    EXPECT_EQ(proportion_lower_bound(0, 10, 0.95), 0);
    // k = 1: 1 - (1 - alpha)^(1/n), the lower bound's other closed form.
    EXPECT_NEAR(proportion_lower_bound(1, 20, 0.95), 1 - std::pow(0.95, 1.0 / 20), 1e-9);
}

TEST(Thresholds, TooFewViolationsPromiseNothing) {
    // 20 violations, every one kept, bound 0.05^(1/20) = 0.861 < 0.95: nothing may be fast-safe.
    std::vector<bool> gold;
    std::vector<double> scores;
    for (int i = 0; i < 100; ++i) {
        gold.push_back(i < 20);
        scores.push_back(i < 20 ? 0.9 : 0.01 * (i % 50));
    }
    const ThresholdChoice c = choose_thresholds(gold, scores, 0.95, 0.95, 0.95);
    EXPECT_FALSE(c.recall_reachable);
    EXPECT_EQ(c.safe_below, 0);
    EXPECT_EQ(c.share_safe, 0);
    EXPECT_EQ(c.recall_kept, 1);
}

std::vector<Example> moderation_examples() {
    const eval::Dataset d =
        eval::read_dataset(ARBITER_SOURCE_DIR "/../shared/data/openai-moderation/samples-1680.jsonl.gz", {});
    std::vector<Example> out;
    for (const auto& item : d.items) {
        const std::optional<bool> gold = eval::gold_label(item, "any", {});
        if (gold) out.push_back({judged_text(item.content), *gold});
    }
    return out;
}

// Issue 17: a safe_below chosen for 95% recall kept 85.6% on a test split, and four of five
// seeds kept less than 95%. Here, per seed, a fifth of the data is held out, `arbiter train`'s
// procedure (5-fold out-of-fold scores, the bound, a model trained on the rest) recommends
// safe_below, and the held-out violations it keeps are counted.
TEST(Thresholds, RecommendedSafeBelowKeepsTheTargetOnHeldOutItems) {
    const std::vector<Example> all = moderation_examples();
    ASSERT_GT(all.size(), 800u);
    constexpr double kTarget = 0.95;
    int kept_target = 0;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
        const std::vector<int> split = stratified_folds(all, 5, 100 + seed);
        std::vector<Example> train, test;
        for (size_t i = 0; i < all.size(); ++i) (split[i] == 0 ? test : train).push_back(all[i]);
        const TrainOptions options;
        const std::vector<double> oof =
            out_of_fold_probabilities(train, stratified_folds(train, 5, seed), options);
        std::vector<bool> gold;
        for (const Example& e : train) gold.push_back(e.violation);
        const ThresholdChoice c = choose_thresholds(gold, oof, kTarget, 0.95, 0.95);
        ASSERT_TRUE(c.recall_reachable);
        const FastClassifier model = FastClassifier::train(train, options);
        size_t violations = 0, kept = 0, decided = 0;
        for (const Example& e : test) {
            const double p = model.probability(e.text);
            violations += e.violation ? 1 : 0;
            kept += e.violation && p >= c.safe_below ? 1 : 0;
            decided += p < c.safe_below ? 1 : 0;
        }
        const double recall = static_cast<double>(kept) / static_cast<double>(violations);
        std::printf(
            "seed %d: safe_below %.6g, held-out recall %.3f of %zu violations, %.1f%% fast-safe "
            "(expected %.1f%%)\n",
            static_cast<int>(seed), c.safe_below, recall, violations,
            100.0 * static_cast<double>(decided) / static_cast<double>(test.size()), 100 * c.share_safe);
        kept_target += recall >= kTarget - 0.01 ? 1 : 0;
        EXPECT_GT(c.share_safe, 0.05) << "a bound so loose it decides nothing";
    }
    EXPECT_GE(kept_target, 4);
}

}  // namespace
}  // namespace arbiter::cascade
