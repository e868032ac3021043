#include "harmony/content_room.h"

#include <algorithm>

#include "harmony/classification.h"

namespace arbiter::harmony {

int content_room(const Job& job, const Tokenizer& tokenizer, int context, int default_reasoning_budget,
                 int score_tokens) {
    Job framing = job;  // the prompt around the content: it takes the same tokens for any content
    framing.content = Content::message("");
    const Classification c(framing, default_reasoning_budget);
    const ClassificationPrompt prompt = classification_prompt(framing);
    const size_t framing_tokens =
        tokenizer.tokenize(prompt.prefix).size() + tokenizer.tokenize(prompt.item).size();
    const size_t generated = c.scoring() ? static_cast<size_t>(score_tokens)
                                         : static_cast<size_t>(c.reasoning_budget()) +
                                               tokenizer.tokenize(final_channel_header()).size() +
                                               static_cast<size_t>(c.answer_cap());
    return std::max(0, context - static_cast<int>(framing_tokens + generated));
}

}  // namespace arbiter::harmony
