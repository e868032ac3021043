#pragma once
// Score mode's probability: a softmax over the logits of the answer's two alternatives, "0"
// and "1". Calibration is the model's: it is what the model would answer, not a tuned estimate.

#include "llama.h"

namespace arbiter::engine {

// P("1") among {"0", "1"}, computed stably in double precision.
double violation_probability(const float* logits, llama_token zero, llama_token one);

}  // namespace arbiter::engine
