// arbiter render: the exact prompt the model sees for a policy and a content, as text or as
// token ids, for users debugging a policy.

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "cli/command.h"
#include "core/content_json.h"
#include "core/content_layout.h"
#include "core/json_input.h"
#include "core/policy_file.h"
#include "harmony/renderer.h"
#include "llama/model.h"

namespace arbiter::cli {

namespace {

struct RenderArgs {
    std::string policy;
    std::string text;
    std::string input;
    std::string effort;
    std::string date;
    std::string knowledge_cutoff = "2024-06";
    bool tokens = false;
    std::string model;
    bool score = false;
};

// --input: a JSON item ({"text"} | {"prompt","response"} | {"messages"}) when the file parses
// as one, otherwise the file's text as a single message.
Content read_input(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ContentError(path + ": cannot be read");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    if (text.size() > kMaxContentBytes) throw ContentError(path + ": larger than the content limit");
    std::string error;
    const std::optional<nlohmann::json> j = parse_json(text, error);
    if (j && j->is_object()) {
        try {
            return content_from_json(*j);
        } catch (const ContentError& e) {
            throw ContentError(path + ": " + e.what());
        }
    }
    return Content::message(text);
}

int run(const RenderArgs& a) {
    try {
        const Policy policy = load_policy_file(a.policy);
        const Content content = a.input.empty() ? Content::message(a.text) : read_input(a.input);

        harmony::Settings settings;
        settings.effort = a.effort.empty() ? policy.effort : *parse_reasoning_effort(a.effort);
        settings.knowledge_cutoff = a.knowledge_cutoff;
        if (!a.date.empty()) settings.date = a.date;
        const auto start = a.score ? harmony::AssistantStart::final_answer : harmony::AssistantStart::open;
        const harmony::ClassificationPrompt prompt =
            harmony::render_classification(settings, policy.text, user_message(content), start);

        if (!a.tokens) {
            std::fwrite(prompt.str().data(), 1, prompt.str().size(), stdout);
            std::fputc('\n', stdout);
            return kExitOk;
        }
        const auto model = engine::Model::load(a.model, {.vocab_only = true});
        harmony::Prompt whole = prompt.prefix;
        whole.append(prompt.item);
        for (llama_token id : model->tokens().tokenize(whole)) std::printf("%d\n", id);
        return kExitOk;
    } catch (const PolicyError& e) {
        std::fprintf(stderr, "arbiter render: %s\n", e.what());
    } catch (const ContentError& e) {
        std::fprintf(stderr, "arbiter render: %s\n", e.what());
    } catch (const engine::ModelFileError& e) {
        std::fprintf(stderr, "arbiter render: %s\n", e.what());
    }
    return kExitBadInput;
}

}  // namespace

void add_render_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand(
        "render", "Print the exact harmony prompt the model sees for a policy and a content");
    auto a = std::make_shared<RenderArgs>();
    cmd->add_option("--policy,-p", a->policy, "Policy file (Markdown, optional YAML front matter)")
        ->required();
    auto* text = cmd->add_option("--text,-t", a->text, "Content to classify, as a user message");
    auto* input = cmd->add_option("--input,-i", a->input,
                                  "File with the content: a JSON item ({\"text\"}, {\"prompt\",\"response\"} "
                                  "or {\"messages\"}) or plain text");
    text->excludes(input);
    cmd->add_option("--effort", a->effort, "Reasoning effort (default: the policy's, else medium)")
        ->check(CLI::IsMember({"low", "medium", "high"}));
    cmd->add_option("--date", a->date, "Current date line, YYYY-MM-DD (default: none, as harmony)")
        ->check(CLI::Validator(
            [](std::string& v) {
                static const std::regex re(R"(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))");
                return std::regex_match(v, re) ? std::string() : "expected YYYY-MM-DD, got '" + v + "'";
            },
            "YYYY-MM-DD"));
    cmd->add_option("--knowledge-cutoff", a->knowledge_cutoff, "Knowledge cutoff line, YYYY-MM")
        ->check(CLI::Validator(
            [](std::string& v) {
                static const std::regex re(R"(\d{4}-(0[1-9]|1[0-2]))");
                return std::regex_match(v, re) ? std::string() : "expected YYYY-MM, got '" + v + "'";
            },
            "YYYY-MM"))
        ->capture_default_str();
    cmd->add_flag("--score", a->score, "Render as score mode does: the final channel already opened");
    auto* tokens = cmd->add_flag("--tokens", a->tokens, "Print token ids, one per line (needs --model)");
    cmd->add_option("--model,-m", a->model, "GGUF model whose tokenizer gives the ids")->needs(tokens);
    tokens->needs(cmd->get_option("--model"));
    cmd->callback([&action, a, text, input] {
        if (text->count() == 0 && input->count() == 0) throw CLI::RequiredError("--text or --input");
        action = [a] { return run(*a); };
    });
}

}  // namespace arbiter::cli
