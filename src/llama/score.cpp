#include "llama/score.h"

#include <cmath>

namespace arbiter::engine {

double violation_probability(const float* logits, llama_token zero, llama_token one) {
    const double l0 = logits[zero];
    const double l1 = logits[one];
    // 1 / (1 + e^(l0 - l1)) == e^l1 / (e^l0 + e^l1), without overflow.
    return 1.0 / (1.0 + std::exp(l0 - l1));
}

}  // namespace arbiter::engine
