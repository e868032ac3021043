#include "core/content.h"

#include <utility>

namespace arbiter {

Content Content::message(std::string text) {
    Content c;
    c.kind = ContentKind::message;
    c.text = std::move(text);
    return c;
}

Content Content::completion(std::string prompt, std::string response) {
    Content c;
    c.kind = ContentKind::completion;
    c.prompt = std::move(prompt);
    c.response = std::move(response);
    return c;
}

Content Content::conversation(std::vector<Turn> turns) {
    Content c;
    c.kind = ContentKind::conversation;
    c.turns = std::move(turns);
    return c;
}

}  // namespace arbiter
