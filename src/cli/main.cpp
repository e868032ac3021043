// arbiter: classify content against plain-language safety policies with gpt-oss-safeguard.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "cli/command.h"

int main(int argc, char** argv) {
    CLI::App app{
        "arbiter: classify content against safety policies written in plain language,\n"
        "with gpt-oss-safeguard (or any gpt-oss model) in the harmony format."};
    app.require_subcommand(1);
    app.set_version_flag("--version", "arbiter 0.1.0");

    arbiter::cli::Action action;
    arbiter::cli::add_apikey_command(app, action);
    arbiter::cli::add_classify_command(app, action);
    arbiter::cli::add_db_command(app, action);
    arbiter::cli::add_eval_command(app, action);
    arbiter::cli::add_export_command(app, action);
    arbiter::cli::add_info_command(app, action);
    arbiter::cli::add_policy_command(app, action);
    arbiter::cli::add_render_command(app, action);
    arbiter::cli::add_serve_command(app, action);
    arbiter::cli::add_stream_command(app, action);
    arbiter::cli::add_train_command(app, action);

    // CLI11 answers --help before it notices an unknown command: `arbiter NOSUCH --help` would print
    // the main help and exit 0, as if NOSUCH existed.
    if (argc > 1 && argv[1][0] != '-') {
        const std::string name = argv[1];
        const auto known = app.get_subcommands([&](const CLI::App* c) { return c->check_name(name); });
        if (known.empty()) {
            std::fprintf(stderr, "arbiter: unknown command '%s' (arbiter --help lists the commands)\n",
                         argv[1]);
            return arbiter::cli::kExitBadInput;
        }
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? arbiter::cli::kExitOk : arbiter::cli::kExitBadInput;
    }
    try {
        return action ? action() : arbiter::cli::kExitOk;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "arbiter: %s\n", e.what());
        return arbiter::cli::kExitFailure;
    }
}
