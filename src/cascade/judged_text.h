#pragma once
// The text the cascade's fast tiers judge: a message's text, a completion's response (the part
// judged; the prompt is context the fast tiers cannot weigh), every turn of a conversation.

#include <string>

#include "core/content.h"

namespace arbiter::cascade {

std::string judged_text(const Content& content);

}  // namespace arbiter::cascade
