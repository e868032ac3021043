#pragma once
// What is classified: a single message, a completion (a prompt and the response to judge), or a
// whole conversation, an agent's included: its assistant turns may call tools and its tool turns
// carry what they returned. A pure value; content_layout.h decides how it reaches the model.

#include <string>
#include <vector>

namespace arbiter {

enum class ContentKind { message, completion, conversation };

// A function an assistant turn calls, as OpenAI's APIs send it.
struct ToolCall {
    std::string id;
    std::string name;
    std::string arguments;  // as the model wrote them: a JSON object's text, usually
};

struct Turn {
    std::string role;  // user, assistant, system, tool, ... as the source named it
    std::string content;
    std::vector<ToolCall> tool_calls = {};  // an assistant turn's calls
    std::string tool_call_id = {};          // a tool turn: the call it answers
    std::string name = {};                  // a tool turn: the tool's name (from its call when not given)
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
