#pragma once
// What is classified: a single message, a completion (a prompt and the response to judge), or a
// whole conversation. A pure value; content_layout.h decides how it reaches the model.

#include <string>
#include <vector>

namespace arbiter {

enum class ContentKind { message, completion, conversation };

struct Turn {
    std::string role;  // user, assistant, system, tool, ... as the source named it
    std::string content;
};

struct Content {
    ContentKind kind = ContentKind::message;
    std::string text;         // message
    std::string prompt;       // completion: the context
    std::string response;     // completion: the part judged
    std::vector<Turn> turns;  // conversation

    static Content message(std::string text);
    static Content completion(std::string prompt, std::string response);
    static Content conversation(std::vector<Turn> turns);
};

}  // namespace arbiter
