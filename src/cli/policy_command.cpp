// arbiter policy lint: checks policies against OpenAI's advice for gpt-oss-safeguard.

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "cascade/rule_set.h"
#include "cli/command.h"
#include "core/policy_file.h"
#include "core/policy_lint.h"
#include "llama/model.h"

namespace arbiter::cli {

namespace {

struct LintArgs {
    std::vector<std::string> files;
    std::string model;
};

int run_lint(const LintArgs& a) {
    std::unique_ptr<engine::Model> model;
    TokenCounter counter;
    if (!a.model.empty()) {
        try {
            model = engine::Model::load(a.model, {.vocab_only = true});
        } catch (const engine::ModelFileError& e) {
            std::fprintf(stderr, "arbiter policy lint: %s\n", e.what());
            return kExitBadInput;
        }
        counter = [&model](std::string_view text) {
            return static_cast<int>(model->tokens().tokenize_text(text).size());
        };
    }

    int errors = 0;
    int warnings = 0;
    for (const std::string& file : a.files) {
        try {
            const Policy policy = load_policy_file(file);
            const cascade::RuleSet rules({std::make_shared<const Policy>(policy)});  // rules compile
            std::ifstream in(file, std::ios::binary);
            std::ostringstream text;
            text << in.rdbuf();
            const int first_line = body_first_line(text.str());
            for (const LintWarning& w : lint_policy(policy, counter)) {
                if (w.line > 0) {
                    std::printf("%s:%d: warning: %s\n", file.c_str(), first_line + w.line - 1,
                                w.message.c_str());
                } else {
                    std::printf("%s: warning: %s\n", file.c_str(), w.message.c_str());
                }
                ++warnings;
            }
        } catch (const PolicyError& e) {
            std::printf("%s: error\n", e.what());
            ++errors;
        }
    }
    std::fprintf(stderr, "%zu file(s): %d error(s), %d warning(s)\n", a.files.size(), errors, warnings);
    return errors > 0 ? kExitBadInput : kExitOk;
}

}  // namespace

void add_policy_command(CLI::App& app, Action& action) {
    CLI::App* policy = app.add_subcommand("policy", "Work with policy files");
    policy->require_subcommand(1);
    CLI::App* lint = policy->add_subcommand(
        "lint", "Check policies against OpenAI's policy-writing advice (warnings exit 0, errors 2)");
    auto a = std::make_shared<LintArgs>();
    lint->add_option("files", a->files, "Policy files")->required()->check(CLI::ExistingFile);
    lint->add_option("--model,-m", a->model, "Count tokens with this GGUF model's tokenizer");
    lint->callback([&action, a] { action = [a] { return run_lint(*a); }; });
}

}  // namespace arbiter::cli
