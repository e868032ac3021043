#include "harmony/renderer.h"

#include "harmony/special_tokens.h"

namespace arbiter::harmony {

namespace {

void open_message(Prompt& p, std::string_view role) {
    p.special(kStart);
    p.text(role);
    p.special(kMessage);
}

}  // namespace

Prompt render_system(const Settings& settings) {
    Prompt p;
    open_message(p, "system");
    std::string body = settings.identity + "\nKnowledge cutoff: " + settings.knowledge_cutoff + "\n";
    if (settings.date) body += "Current date: " + *settings.date + "\n";
    body += "\nReasoning: " + std::string(to_string(settings.effort)) + "\n\n";
    body += "# Valid channels: analysis, commentary, final. Channel must be included for every message.";
    p.text(body);
    p.special(kEnd);
    return p;
}

Prompt render_developer(std::string_view policy_text) {
    Prompt p;
    open_message(p, "developer");
    p.text("# Instructions\n\n");
    p.text(policy_text);
    p.special(kEnd);
    return p;
}

ClassificationPrompt render_classification(const Settings& settings, std::string_view policy_text,
                                           std::string_view user_message, AssistantStart start) {
    ClassificationPrompt out;
    out.prefix.append(render_system(settings));
    out.prefix.append(render_developer(policy_text));
    open_message(out.prefix, "user");

    out.item.text(user_message);
    out.item.special(kEnd);
    out.item.special(kStart);
    out.item.text("assistant");
    if (start == AssistantStart::final_answer) {
        out.item.special(kChannel);
        out.item.text("final");
        out.item.special(kMessage);
    }
    return out;
}

Prompt final_channel_header() {
    Prompt header;
    header.special(kEnd);
    header.special(kStart);
    header.text("assistant");
    header.special(kChannel);
    header.text("final");
    header.special(kMessage);
    return header;
}

}  // namespace arbiter::harmony
