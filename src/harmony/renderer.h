#pragma once
// Renders classification prompts in the harmony format exactly as OpenAI's harmony library
// does (the renderer vLLM uses for gpt-oss): system message, developer message with the
// policy under "# Instructions", the content as the user message, then the assistant header.

#include <optional>
#include <string>
#include <string_view>

#include "core/policy.h"
#include "harmony/prompt.h"

namespace arbiter::harmony {

struct Settings {
    ReasoningEffort effort = ReasoningEffort::medium;
    std::string knowledge_cutoff = "2024-06";
    std::optional<std::string> date;  // "Current date: ..." line only when set (harmony's rule)
    std::string identity = "You are ChatGPT, a large language model trained by OpenAI.";
};

// `<|start|>system<|message|>...<|end|>`
Prompt render_system(const Settings& settings);

// `<|start|>developer<|message|># Instructions\n\n{policy}<|end|>`
Prompt render_developer(std::string_view policy_text);

// A classification prompt split where the engine shares work: `prefix` depends only on the
// policy and the settings (its KV cache is computed once per policy), `item` on the content.
struct ClassificationPrompt {
    Prompt prefix;  // system, developer, and the user message's header `<|start|>user<|message|>`
    Prompt item;    // the user message's text, `<|end|>`, and the assistant header
    std::string str() const { return prefix.str() + item.str(); }
};

// How the assistant turn begins after `<|start|>assistant`.
enum class AssistantStart {
    open,          // nothing more: the model writes its channel header itself (reasoning)
    final_answer,  // `<|channel|>final<|message|>`: the answer comes at once (score mode)
};

// What an engine writes itself when reasoning ends, so that the answer comes on the final channel:
// <|end|><|start|>assistant<|channel|>final<|message|>.
Prompt final_channel_header();

ClassificationPrompt render_classification(const Settings& settings, std::string_view policy_text,
                                           std::string_view user_message,
                                           AssistantStart start = AssistantStart::open);

}  // namespace arbiter::harmony
