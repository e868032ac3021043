#pragma once
// How a job is judged: with reasoning, or by the answer's first token alone. The one place a mode
// is named as text ("reason", "score"), for requests, configuration, logs and reports alike.

#include <optional>
#include <string_view>

namespace arbiter {

enum class Mode {
    reason,  // the model reasons on the analysis channel, then answers (the answer is grammar-bound)
    score,   // no reasoning: P(violation) read from the answer's first-token logits
};

// "reason" or "score".
std::string_view to_string(Mode mode);
// The mode a name names; nullopt for any other text.
std::optional<Mode> parse_mode(std::string_view name);

}  // namespace arbiter
