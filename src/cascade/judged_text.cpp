#include "cascade/judged_text.h"

namespace arbiter::cascade {

std::string judged_text(const Content& content) {
    switch (content.kind) {
    case ContentKind::message:
        return content.text;
    case ContentKind::completion:
        return content.response;
    case ContentKind::conversation: {
        std::string out;
        // An agent's calls are judged with the text: a rule can match a tool's arguments.
        for (const Turn& t : content.turns) {
            if (!out.empty()) out += '\n';
            out += t.content;
            for (const ToolCall& call : t.tool_calls) out += '\n' + call.name + ' ' + call.arguments;
        }
        return out;
    }
    }
    return content.text;
}

}  // namespace arbiter::cascade
