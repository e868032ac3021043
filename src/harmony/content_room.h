#pragma once
// How much content a job leaves room for in a model's context: the context minus the prompt
// around the content and the most the job may generate. Every engine that counts tokens itself
// (the embedded engine, remote backends with arbiter's tokenizer) refuses longer content with it.

#include "core/backend.h"
#include "harmony/tokenizer.h"

namespace arbiter::harmony {

// `score_tokens`: what score mode generates (none where the answer is read from the prompt's
// logits, one on a server that samples it). Never negative.
int content_room(const Job& job, const Tokenizer& tokenizer, int context, int default_reasoning_budget,
                 int score_tokens);

}  // namespace arbiter::harmony
