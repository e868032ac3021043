#include "storage/database_copy.h"

#include <filesystem>
#include <map>
#include <string_view>

#include "storage/database.h"
#include "storage/state_tables.h"
#include "storage/table_copy.h"

namespace arbiter::storage {

namespace {

// Opening the target on the source's file would write the source (its journal mode, the stores'
// migrations) before any other check could refuse it.
void refuse_same_file(const std::string& from, const std::string& to) {
    if (is_postgres_url(from) || is_postgres_url(to)) return;
    std::error_code ec;
    if (std::filesystem::equivalent(from, to, ec))
        throw CopyRefused("the source and the target are the same file, " + from);
}

// Which PostgreSQL database `db` is, whatever URL reached it: its name on the server started then.
std::string postgres_identity(Database& db) {
    Statement select = db.prepare("SELECT current_database() || ' ' || pg_postmaster_start_time()::text");
    select.step();
    return select.text(0).value_or("");
}

Database open_source(const std::string& from) {
    if (!is_postgres_url(from)) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(from, ec)) throw CopyRefused(from + ": no such file");
    }
    try {
        return Database(from, Database::Access::read_only);
    } catch (const StoreError& e) {
        throw StoreError("the source: " + std::string(e.what()));
    }
}

Database open_target(const std::string& to) {
    try {
        return Database(to);
    } catch (const StoreError& e) {
        throw StoreError("the target: " + std::string(e.what()));
    }
}

// The tables of state the source has; a database with none is not arbiter's.
std::vector<std::string_view> tables_of(Database& source, const std::string& from) {
    std::vector<std::string_view> tables;
    try {
        for (const std::string_view table : kStateTables) {
            if (has_table(source, table)) tables.push_back(table);
        }
    } catch (const StoreError& e) {
        throw CopyRefused("cannot read " + without_password(from) + " as an arbiter database: " + e.what());
    }
    if (tables.empty())
        throw CopyRefused(without_password(from) + " is not an arbiter database: it has none of its tables");
    return tables;
}

std::map<std::string, int64_t> schema_versions(Database& db) {
    std::map<std::string, int64_t> versions;
    if (!has_table(db, "schema_versions")) return versions;  // a SQLite file from before migrations
    Statement select = db.prepare("SELECT schema_name, version FROM schema_versions");
    while (select.step()) versions[select.text(0).value_or("")] = select.integer(1);
    return versions;
}

// This arbiter would misread tables a newer one wrote. The target's versions are this arbiter's
// own, its stores having just brought it up to them.
void refuse_newer_schema(Database& source, Database& target, const std::string& from) {
    const std::map<std::string, int64_t> known = schema_versions(target);
    for (const auto& [schema, version] : schema_versions(source)) {
        const auto it = known.find(schema);
        const int64_t knows = it == known.end() ? 0 : it->second;
        if (version > knows)
            throw CopyRefused(without_password(from) + ": its " + schema + " tables are at schema version " +
                              std::to_string(version) +
                              ", written by a newer arbiter; this one knows up to " + std::to_string(knows) +
                              ": copy with that arbiter, or upgrade this one");
    }
}

void refuse_rows(Database& target, const std::string& to) {
    for (const std::string_view table : kStateTables) {
        if (has_rows(target, table))
            throw TargetNotEmpty(
                without_password(to) + " holds rows already, in its " + std::string(table) + " table",
                std::string(table));
    }
}

}  // namespace

std::vector<TableCopied> copy_database(const std::string& from, const std::string& to,
                                       const CopyOptions& options) {
    refuse_same_file(from, to);
    Database source = open_source(from);
    const std::vector<std::string_view> tables = tables_of(source, from);
    Database target = open_target(to);
    if (source.engine() == Engine::postgres && target.engine() == Engine::postgres &&
        postgres_identity(source) == postgres_identity(target))
        throw CopyRefused("the source and the target are the same database, " + without_password(to));
    create_state_tables(to);
    refuse_newer_schema(source, target, from);
    if (!options.resume) refuse_rows(target, to);

    std::vector<TableCopied> copied;
    size_t total = 0;
    for (const std::string_view table : tables) {
        copied.push_back({std::string(table), count_rows(source, table), 0});
        total += copied.back().rows;
    }
    size_t done = 0;
    const RowsPassed passed = [&](size_t rows) {
        done += rows;
        if (options.progress) options.progress(done, total);
    };
    for (TableCopied& table : copied) {
        table.copied = copy_table(source, target, table.table, options.batch_rows, passed);
        advance_identities(target, table.table);
    }
    return copied;
}

}  // namespace arbiter::storage
