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
        for (const Turn& t : content.turns) {
            if (!out.empty()) out += '\n';
            out += t.content;
        }
        return out;
    }
    }
    return content.text;
}

}  // namespace arbiter::cascade
