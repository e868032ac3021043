// arbiter db copy: copies arbiter's state from one database into another, ids kept, a copy stopped
// part way going on where it stopped (storage/database_copy.h): how a server's SQLite file moves
// to the PostgreSQL database a fleet shares.

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/progress.h"
#include "core/store_error.h"
#include "storage/database.h"
#include "storage/database_copy.h"

namespace arbiter::cli {

namespace {

struct CopyArgs {
    std::string from;
    std::string to;
    bool resume = false;
    size_t batch = 500;
};

void print_summary(const CopyArgs& a, const std::vector<storage::TableCopied>& tables) {
    std::printf("copied %s to %s\n", storage::without_password(a.from).c_str(),
                storage::without_password(a.to).c_str());
    for (const storage::TableCopied& t : tables) {
        std::printf("  %-16s %9zu rows: %zu copied", t.table.c_str(), t.rows, t.copied);
        if (t.rows > t.copied) std::printf(", %zu there already", t.rows - t.copied);
        std::printf("\n");
    }
}

int run_copy(const CopyArgs& a) {
    std::optional<Progress> bar;  // from the first batch, when the total is known
    storage::CopyOptions options;
    options.resume = a.resume;
    options.batch_rows = a.batch;
    options.progress = [&bar](size_t done, size_t total) {
        if (!bar) bar.emplace(total);
        bar->update(done);
    };
    std::vector<storage::TableCopied> tables;
    try {
        tables = storage::copy_database(a.from, a.to, options);
    } catch (const storage::TargetNotEmpty& e) {
        std::fprintf(stderr,
                     "arbiter db copy: %s: add --resume to go on with a copy into it that was stopped part "
                     "way, or copy into an empty database\n",
                     e.what());
        return kExitBadInput;
    } catch (const storage::CopyRefused& e) {
        std::fprintf(stderr, "arbiter db copy: %s\n", e.what());
        return kExitBadInput;
    } catch (const StoreError& e) {
        const bool started = bar.has_value();
        bar.reset();  // ends the bar's line
        std::fprintf(stderr, "arbiter db copy: %s%s\n", e.what(),
                     started ? " (what was copied stays: run the command again with --resume to go on)" : "");
        return kExitFailure;
    }
    bar.reset();
    print_summary(a, tables);
    return kExitOk;
}

}  // namespace

void add_db_command(CLI::App& app, Action& action) {
    CLI::App* db = app.add_subcommand("db", "Work with the database `arbiter serve --db` keeps its state in");
    db->require_subcommand(1);
    CLI::App* copy = db->add_subcommand(
        "copy",
        "Copy every table of arbiter's state (policy versions, decisions, reviews, queue rules, runs, "
        "shadows, API keys) from one database into another, every id kept: a SQLite file into the "
        "PostgreSQL database several instances share, or any other way. The target gets this arbiter's "
        "schema; the source is only read. Stop the servers writing the source first; start them on the "
        "target once the copy is done");
    auto a = std::make_shared<CopyArgs>();
    copy->add_option("--from", a->from, "The database to copy: a SQLite file or a postgresql:// URL")
        ->required();
    copy->add_option("--to", a->to,
                     "The database to copy into: a SQLite file (created if missing) or a postgresql:// URL; "
                     "refused if it holds rows, unless --resume")
        ->required();
    copy->add_flag("--resume", a->resume,
                   "Go on with a copy into --to that was stopped part way (Ctrl-C, a killed process, a lost "
                   "connection): rows already there are passed over, none is copied twice");
    copy->add_option("--batch", a->batch, "Rows per transaction of the target")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    copy->callback([&action, a] { action = [a] { return run_copy(*a); }; });
}

}  // namespace arbiter::cli
