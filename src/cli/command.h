#pragma once
// Each `arbiter` subcommand registers itself on the CLI11 app and sets the action that main()
// runs after parsing. Actions return the process exit code.

#include <CLI/CLI.hpp>
#include <functional>

namespace arbiter::cli {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // the work itself failed
inline constexpr int kExitBadInput = 2;  // unusable arguments or input files

using Action = std::function<int()>;

void add_apikey_command(CLI::App& app, Action& action);
void add_classify_command(CLI::App& app, Action& action);
void add_db_command(CLI::App& app, Action& action);
void add_eval_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);
void add_info_command(CLI::App& app, Action& action);
void add_policy_command(CLI::App& app, Action& action);
void add_render_command(CLI::App& app, Action& action);
void add_serve_command(CLI::App& app, Action& action);
void add_stream_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);

}  // namespace arbiter::cli
