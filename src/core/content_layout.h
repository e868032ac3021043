#pragma once
// How each kind of content is laid into the harmony user message, so that the model can tell
// who said what and which part it judges:
//   - message: the text verbatim, as OpenAI's guide does;
//   - completion: one line saying the assistant's response is judged and the prompt is context,
//     then the exchange as a JSON array of {"role", "content"};
//   - conversation: one line saying the whole conversation is judged, then the same JSON array.
// JSON quoting means text inside a message cannot close its string and pose as another speaker
// (harmony tokens cannot appear at all: see llama/prompt_tokens.h). In the JSON layouts,
// invalid UTF-8 becomes U+FFFD.

#include <string>

#include "core/content.h"

namespace arbiter {

std::string user_message(const Content& content);

}  // namespace arbiter
