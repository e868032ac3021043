// arbiter apikey: makes a key for `arbiter serve --api-keys`, storing only its hash.

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/command.h"
#include "http/api_keys.h"

namespace arbiter::cli {

namespace {

struct ApiKeyArgs {
    std::string name;
    std::string role = "classify";
    std::string file;
};

int run(const ApiKeyArgs& a) {
    if (a.name.empty() || a.name.find_first_of(" \t\r\n#") != std::string::npos) {
        std::fprintf(stderr, "arbiter apikey: the name must be one word\n");
        return kExitBadInput;
    }
    const std::string key = service::make_api_key();
    const std::string line = service::api_key_line(a.name, *service::parse_role(a.role), key);
    // Created readable by its owner only: it names who may do what.
    const mode_t old_mask = umask(077);
    std::ofstream out(a.file, std::ios::app);
    umask(old_mask);
    if (!(out << line << "\n")) {
        std::fprintf(stderr, "arbiter apikey: cannot write %s\n", a.file.c_str());
        return kExitBadInput;
    }
    std::printf("%s\n", key.c_str());
    std::fflush(stdout);
    std::fprintf(stderr, "arbiter apikey: added '%s' (%s) to %s; the key above is shown only now\n",
                 a.name.c_str(), a.role.c_str(), a.file.c_str());
    return kExitOk;
}

}  // namespace

void add_apikey_command(CLI::App& app, Action& action) {
    CLI::App* cmd = app.add_subcommand(
        "apikey",
        "Make a new API key for `arbiter serve`: prints the key once and appends its hash to the keys file");
    auto a = std::make_shared<ApiKeyArgs>();
    cmd->add_option("--name", a->name, "Who the key is for (one word)")->required();
    cmd->add_option("--role", a->role,
                    "classify: classify, read and lint policies; review: also read the decision "
                    "log and review labels (people who review decisions, in the console too); "
                    "admin: everything, policy writes included")
        ->check(CLI::IsMember({"classify", "review", "admin"}))
        ->capture_default_str();
    cmd->add_option("--file,-f", a->file, "Keys file to append to (created if missing)")->required();
    cmd->callback([&action, a] { action = [a] { return run(*a); }; });
}

}  // namespace arbiter::cli
