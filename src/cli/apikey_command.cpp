// arbiter apikey: makes a key for `arbiter serve`, storing only its hash: in a keys file
// (--api-keys), or in the database's api_keys table (--db), which every instance on it reads.

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/sha256.h"
#include "core/store_error.h"
#include "http/api_keys.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/key_store.h"

namespace arbiter::cli {

namespace {

struct ApiKeyArgs {
    std::string name;
    std::string role = "classify";
    std::string file;
    std::string db;
    std::string revoke;
    std::vector<std::string> limits;  // name=value
};

// The --limit words as a keys file's line ends with them.
std::string limit_words(const ApiKeyArgs& a) {
    std::string words;
    for (const std::string& limit : a.limits) words += (words.empty() ? "" : " ") + limit;
    return words;
}

// Makes or revokes a key in the database's table.
int run_on_database(const ApiKeyArgs& a) {
    try {
        storage::KeyStore store(a.db);
        storage::AuditLog audit(a.db);
        if (!a.revoke.empty()) {
            if (!store.revoke(a.revoke)) {
                std::fprintf(stderr, "arbiter apikey: no key named '%s'\n", a.revoke.c_str());
                return kExitBadInput;
            }
            audit.record({storage::command_line_actor(), "local", "key.revoke", "key:" + a.revoke});
            std::fprintf(stderr, "arbiter apikey: revoked '%s' on every instance\n", a.revoke.c_str());
            return kExitOk;
        }
        const std::string key = service::make_api_key();
        store.add({a.name, a.role, sha256_hex(key), limit_words(a)});
        audit.record({storage::command_line_actor(),
                      "local",
                      "key.create",
                      "key:" + a.name,
                      {{"role", a.role}, {"limits", limit_words(a)}}});
        std::printf("%s\n", key.c_str());
        std::fflush(stdout);
        std::fprintf(stderr, "arbiter apikey: added '%s' (%s) to %s; the key above is shown only now\n",
                     a.name.c_str(), a.role.c_str(), storage::without_password(a.db).c_str());
        return kExitOk;
    } catch (const storage::KeyNameTaken& e) {
        std::fprintf(stderr, "arbiter apikey: %s (revoke it first, or choose another name)\n", e.what());
        return kExitBadInput;
    } catch (const StoreError& e) {
        std::fprintf(stderr, "arbiter apikey: %s\n", e.what());
        return kExitFailure;
    }
}

int run(const ApiKeyArgs& a) {
    if (a.file.empty() == a.db.empty()) {
        std::fprintf(stderr, "arbiter apikey: give --file or --db (one of them)\n");
        return kExitBadInput;
    }
    if (!a.revoke.empty() && a.db.empty()) {
        std::fprintf(stderr, "arbiter apikey: --revoke takes --db; in a keys file, delete the key's line\n");
        return kExitBadInput;
    }
    if (a.revoke.empty() && (a.name.empty() || a.name.find_first_of(" \t\r\n#") != std::string::npos)) {
        std::fprintf(stderr, "arbiter apikey: --name must be one word\n");
        return kExitBadInput;
    }
    try {
        for (const std::string& limit : a.limits)
            if (limit.find_first_of(" \t\r\n#") != std::string::npos)
                throw service::ApiKeyError("one NAME=VALUE per --limit, without spaces, not '" + limit + "'");
        service::parse_key_limits(limit_words(a));
    } catch (const service::ApiKeyError& e) {
        std::fprintf(stderr, "arbiter apikey: --limit: %s\n", e.what());
        return kExitBadInput;
    }
    if (!a.db.empty()) return run_on_database(a);
    const std::string key = service::make_api_key();
    std::string line = service::api_key_line(a.name, *service::parse_role(a.role), key);
    if (!a.limits.empty()) line += " " + limit_words(a);
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
        "Make a new API key for `arbiter serve`: prints the key once and keeps only its hash, in a "
        "keys file (--file) or the database every instance shares (--db)");
    auto a = std::make_shared<ApiKeyArgs>();
    cmd->add_option("--name", a->name, "Who the key is for (one word)");
    cmd->add_option("--role", a->role,
                    "classify: classify, read and lint policies; review: also read the decision "
                    "log and review labels (people who review decisions, in the console too); "
                    "admin: everything, policy writes included")
        ->check(CLI::IsMember({"classify", "review", "admin"}))
        ->capture_default_str();
    cmd->add_option("--file,-f", a->file,
                    "Keys file to append to (created if missing), for serve --api-keys");
    cmd->add_option("--db", a->db,
                    "Database to keep the key in (serve --db's: a SQLite file or a postgresql:// URL); "
                    "every instance on it takes the key within a second");
    cmd->add_option("--revoke", a->revoke, "Revoke the key of this name (with --db)");
    cmd->add_option("--limit", a->limits,
                    "The key's own rate limit, NAME=VALUE, repeatable: requests_per_second, burst, "
                    "jobs_per_second, per_day (0: none); the rest are server.rate_limit's defaults");
    cmd->callback([&action, a] { action = [a] { return run(*a); }; });
}

}  // namespace arbiter::cli
