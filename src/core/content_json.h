#pragma once
// Content from JSON, as input files and the HTTP API carry it:
//   {"text": "..."}                              a message
//   {"prompt": "...", "response": "..."}         a completion
//   {"messages": [{"role": "...", "content": ...}]}  a conversation, OpenAI chat format: content
//                                                 is a string or a list of {"type":"text","text"};
//                                                 an agent's, with assistant turns' tool_calls
//                                                 ({id, type, function: {name, arguments}}) and tool
//                                                 turns' tool_call_id, or the Responses API's
//                                                 function_call and function_call_output items
// Anything else is a ContentError saying what is wrong.

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/content.h"

namespace arbiter {

class ContentError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Most bytes of text one item may carry; the model's context is the real bound, checked later.
inline constexpr size_t kMaxContentBytes = size_t{1024} * 1024;
inline constexpr size_t kMaxTurns = 1000;
inline constexpr size_t kMaxToolCalls = 128;  // per assistant turn
inline constexpr size_t kMaxToolNameBytes =
    256;  // OpenAI allows 64 characters; a name is copied into each result

// Input files carry more beside the content (an id, labels), so other keys are ignored unless
// `exact`, as for an API's content object, where an unknown key is a ContentError naming it.
Content content_from_json(const nlohmann::json& item, bool exact = false);

// An assistant turn's "tool_calls" in OpenAI's shape; `where` names the turn in errors. Throws
// ContentError.
std::vector<ToolCall> tool_calls_from_json(const nlohmann::json& calls, const std::string& where, bool exact);
// Gives each tool turn without a name the name of the call it answers.
void name_tool_results(std::vector<Turn>& turns);

// The content in the form above (the form the decision log stores): a value built from the
// parsed content, never the client's own JSON.
nlohmann::json content_to_json(const Content& content);

}  // namespace arbiter
