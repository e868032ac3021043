#include "cascade/cross_validation.h"

#include <algorithm>
#include <random>

namespace arbiter::cascade {

std::vector<int> stratified_folds(const std::vector<Example>& examples, int folds, uint64_t seed) {
    std::vector<size_t> violations, safe;
    for (size_t i = 0; i < examples.size(); ++i) (examples[i].violation ? violations : safe).push_back(i);
    std::mt19937_64 rng(seed);
    std::vector<int> fold(examples.size(), 0);
    int next = 0;
    for (std::vector<size_t>* group : {&violations, &safe}) {
        std::shuffle(group->begin(), group->end(), rng);
        // Dealing continues across the groups, so fold sizes differ by one at most.
        for (const size_t i : *group) fold[i] = next++ % folds;
    }
    return fold;
}

std::vector<double> out_of_fold_probabilities(const std::vector<Example>& examples,
                                              const std::vector<int>& fold, const TrainOptions& options) {
    const int folds = examples.empty() ? 0 : *std::max_element(fold.begin(), fold.end()) + 1;
    std::vector<double> out(examples.size(), 0.5);
    for (int f = 0; f < folds; ++f) {
        std::vector<Example> train;
        train.reserve(examples.size());
        for (size_t i = 0; i < examples.size(); ++i)
            if (fold[i] != f) train.push_back(examples[i]);
        const FastClassifier model = FastClassifier::train(train, options);
        for (size_t i = 0; i < examples.size(); ++i)
            if (fold[i] == f) out[i] = model.probability(examples[i].text);
    }
    return out;
}

}  // namespace arbiter::cascade
