// Copying arbiter's state into another database (storage/database_copy.h, `arbiter db copy`): a
// SQLite file filled through the stores, copied into a new database of each engine
// (support/both_engines.h), arrives row for row with its ids; rows written after the copy get new
// ids; a target with rows is refused unless the copy is resumed, and a copy stopped part way and
// resumed holds exactly the source's rows; the source is never written.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "storage/database_copy.h"
#include "storage/state_tables.h"
#include "storage/table_copy.h"
#include "support/both_engines.h"
#include "support/every_table.h"

namespace arbiter::storage {
namespace {

namespace fs = std::filesystem;

class DbCopy : public test::OnBothEngines {};

// A SQLite file with rows in every table, new for each test.
std::string filled_source(const std::string& name) {
    std::string path = (test::scratch_dir() / ("copy-source-" + name + ".db")).string();
    fs::remove(path);
    test::fill_every_table(path);
    return path;
}

std::string file_hash(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return sha256_hex(bytes.str());
}

int64_t largest_id(const std::string& location, const std::string& table) {
    Database db(location, Database::Access::read_only);
    Statement largest = db.prepare("SELECT MAX(id) FROM " + table);
    largest.step();
    return largest.integer(0);
}

size_t rows_in(const std::string& location) {
    Database db(location, Database::Access::read_only);
    size_t rows = 0;
    for (const std::string_view table : kStateTables) rows += count_rows(db, table);
    return rows;
}

CopyOptions options(bool resume, size_t batch_rows = 500,
                    std::function<void(size_t, size_t)> progress = nullptr) {
    CopyOptions o;
    o.resume = resume;
    o.batch_rows = batch_rows;
    o.progress = std::move(progress);
    return o;
}

// Calls `copy`, which must be refused with a message that holds `words`.
template <typename Copy>
void expect_refused(Copy copy, const std::string& words) {
    try {
        copy();
        ADD_FAILURE() << "not refused; expected: " << words;
    } catch (const CopyRefused& e) {
        EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
}

TEST_P(DbCopy, EveryRowArrivesWithItsIdsAndRowsWrittenAfterGetNewIds) {
    const std::string source = filled_source("every-row");
    const std::string target = fresh("every-row");
    const std::string source_bytes = file_hash(source);
    size_t done = 0;
    size_t total = 0;
    const std::vector<TableCopied> copied =
        copy_database(source, target, options(false, 4, [&](size_t now, size_t of) {
                          EXPECT_GT(now, done);
                          done = now;
                          total = of;
                      }));
    EXPECT_EQ(test::dump_every_table(target), test::dump_every_table(source));
    EXPECT_EQ(file_hash(source), source_bytes) << "the source was written";
    std::vector<std::string> tables;
    for (const TableCopied& t : copied) {
        tables.push_back(t.table);
        EXPECT_GT(t.rows, 0u) << t.table;
        EXPECT_EQ(t.copied, t.rows) << t.table;
    }
    EXPECT_EQ(tables, std::vector<std::string>(kStateTables.begin(), kStateTables.end()));
    EXPECT_EQ(done, rows_in(source));
    EXPECT_EQ(total, done);

    // Written on the target now: the next ids, never one copied.
    const int64_t decisions = largest_id(source, "decisions");
    DecisionLog(target, true).record({test::filled_decision(99)});
    EXPECT_EQ(largest_id(target, "decisions"), decisions + 1);
    EXPECT_EQ(ReviewLog(target).add(test::filled_review(decisions + 1, "after")),
              largest_id(source, "reviews") + 1);
    // The stores read what was copied as what they wrote.
    PolicyStore policies(target);
    EXPECT_EQ(policies.versions("scam").size(), 3u);
    EXPECT_EQ(policies.current("spam"), nullptr);  // deleted
    EXPECT_EQ(ShadowVersions(target, policies).of("scam")->policy->version, 2);
    EXPECT_EQ(ReviewLog(target).of_decision(3).size(), 2u);
    EXPECT_EQ(KeyStore(target).all().size(), 2u);
}

TEST_P(DbCopy, ATargetWithRowsIsRefusedUnlessTheCopyIsResumed) {
    const std::string source = filled_source("refused");
    const std::string target = fresh("refused");
    copy_database(source, target, {});
    try {
        copy_database(source, target, {});
        ADD_FAILURE() << "a target with rows was not refused";
    } catch (const TargetNotEmpty& e) {
        EXPECT_EQ(e.table(), "policy_versions");
        EXPECT_NE(std::string(e.what()).find("holds rows already, in its policy_versions table"),
                  std::string::npos)
            << e.what();
    }
    for (const TableCopied& t : copy_database(source, target, options(true)))
        EXPECT_EQ(t.copied, 0u) << t.table;
    EXPECT_EQ(test::dump_every_table(target), test::dump_every_table(source));

    // One key made in it before is a row too, named by its table.
    const std::string keyed = fresh("refused-keyed");
    KeyStore(keyed).add({"ops", "admin", std::string(64, 'a')});
    try {
        copy_database(source, keyed, {});
        ADD_FAILURE() << "a target with a key was not refused";
    } catch (const TargetNotEmpty& e) {
        EXPECT_EQ(e.table(), "api_keys");
    }
    // Tables without rows are an empty target.
    const std::string tables_only = fresh("refused-tables-only");
    create_state_tables(tables_only);
    copy_database(source, tables_only, {});
    EXPECT_EQ(test::dump_every_table(tables_only), test::dump_every_table(source));
}

struct Stopped {};

TEST_P(DbCopy, ACopyStoppedPartWayAndResumedHoldsExactlyTheSourcesRows) {
    const std::string source = filled_source("resumed");
    const auto expected = test::dump_every_table(source);
    const size_t all = rows_in(source);
    // Stopped (as if killed: after a row committed) in policy_versions, whose key is two columns
    // (resumed from the start, the rows there passed over), in decisions (resumed after the largest
    // id there), and in queue_rules (a key of text).
    for (const size_t stop_at : {3u, 20u, 39u}) {
        SCOPED_TRACE("stopped after " + std::to_string(stop_at) + " rows");
        const std::string target = fresh("resumed-" + std::to_string(stop_at));
        const auto stop = [&](size_t done, size_t) {
            if (done >= stop_at) throw Stopped{};
        };
        EXPECT_THROW(copy_database(source, target, options(false, 1, stop)), Stopped);
        const size_t there = rows_in(target);
        EXPECT_EQ(there, stop_at);
        EXPECT_THROW(copy_database(source, target, {}), TargetNotEmpty);

        size_t copied = 0;
        for (const TableCopied& t : copy_database(source, target, options(true, 2))) copied += t.copied;
        EXPECT_EQ(copied, all - there);
        EXPECT_EQ(test::dump_every_table(target), expected);
    }
}

TEST_P(DbCopy, ColumnsAreMatchedByName) {
    // A log from before numbered migrations, with a column this arbiter does not know, and without
    // three it added since.
    const std::string source = (test::scratch_dir() / "copy-by-name.db").string();
    fs::remove(source);
    Database old(source);
    old.exec(
        "CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, claimed_by TEXT, created_at TEXT NOT "
        "NULL, request_id TEXT NOT NULL, item_id TEXT, policy_id TEXT NOT NULL, policy_version INTEGER NOT "
        "NULL, content_sha256 TEXT NOT NULL, content TEXT, mode TEXT NOT NULL, status TEXT NOT NULL, "
        "violation INTEGER, category TEXT, probability REAL, rationale TEXT, verdict TEXT NOT NULL, "
        "latency_ms REAL)");
    old.exec(
        "INSERT INTO decisions VALUES (7, 'elsewhere', '2026-01-01T00:00:00.000Z', 'r', 'i', 'scam', 1, 'h', "
        "NULL, 'score', 'ok', 1, NULL, 0.1, '', '{}', 2.5)");
    const std::string target = fresh("by-name");
    const std::vector<TableCopied> copied = copy_database(source, target, {});
    ASSERT_EQ(copied.size(), 1u);
    EXPECT_EQ(copied[0].table, "decisions");
    Database db(target);
    Statement row = db.prepare("SELECT id, probability, latency_ms, shadow, policy_source FROM decisions");
    ASSERT_TRUE(row.step());
    EXPECT_EQ(row.integer(0), 7);
    EXPECT_EQ(row.real(1), 0.1);
    EXPECT_EQ(row.real(2), 2.5);
    EXPECT_EQ(row.integer(3), 0);  // the default
    EXPECT_TRUE(row.is_null(4));
    EXPECT_FALSE(row.step());
}

TEST_P(DbCopy, RefusesASourceMissingNotArbitersNewerOrTheTargetItself) {
    const std::string target = fresh("refusals");
    create_state_tables(target);
    const fs::path& scratch = test::scratch_dir();
    expect_refused([&] { copy_database((scratch / "missing.db").string(), target, {}); }, "no such file");

    const std::string other = (scratch / "copy-other.db").string();
    Database(other).exec("CREATE TABLE IF NOT EXISTS notes (text TEXT)");
    expect_refused([&] { copy_database(other, target, {}); }, "not an arbiter database");

    const std::string newer = filled_source("newer");
    Database(newer).exec("UPDATE schema_versions SET version = 99 WHERE schema_name = 'runs'");
    const std::string newer_bytes = file_hash(newer);
    expect_refused([&] { copy_database(newer, target, {}); },
                   "its runs tables are at schema version 99, written by a newer arbiter");
    EXPECT_EQ(file_hash(newer), newer_bytes) << "the source was written";

    // The target itself, however it is named.
    std::string alias = target + "&application_name=alias";
    if (GetParam() == Engine::sqlite) {
        alias = (scratch / "copy-alias.db").string();
        fs::remove(alias);
        fs::create_symlink(target, alias);
    }
    expect_refused([&] { copy_database(target, alias, options(true)); }, "the same");
}

ARBITER_ON_BOTH_ENGINES(DbCopy);

std::vector<std::string> runs_in_order(const std::string& url) {
    Database db(url);
    Statement select = db.prepare("SELECT id FROM runs ORDER BY seq");
    std::vector<std::string> ids;
    while (select.step()) ids.push_back(*select.text(0));
    return ids;
}

TEST(DbCopyBetweenEngines, PostgresIntoPostgresAndBackIntoSqliteKeepsEveryRow) {
    const std::string source = filled_source("round-trip");
    const std::string first = test::fresh_postgres_db("round-trip-first");
    const std::string second = test::fresh_postgres_db("round-trip-second");
    const std::string back = (test::scratch_dir() / "copy-round-trip-back.db").string();
    fs::remove(back);
    copy_database(source, first, {});
    copy_database(first, second, options(false, 3));
    copy_database(second, back, {});
    const auto expected = test::dump_every_table(source);
    EXPECT_EQ(test::dump_every_table(second), expected);
    EXPECT_EQ(test::dump_every_table(back), expected);
    // PostgreSQL's own order of runs went with them, and goes on after them.
    EXPECT_EQ(runs_in_order(second), runs_in_order(first));
    storage::Run later;
    later.id = "run-later";
    RunStore(second).add(later);
    EXPECT_EQ(runs_in_order(second).back(), "run-later");
    DecisionLog(back, true).record({test::filled_decision(99)});
    EXPECT_EQ(largest_id(back, "decisions"), largest_id(source, "decisions") + 1);
    // The source was read through a connection that cannot write.
    EXPECT_THROW(Database(first, Database::Access::read_only).exec("DELETE FROM api_keys"), StoreError);
}

TEST(DbCopyTables, AreEveryTableTheStoresMake) {
    const std::string path = (test::scratch_dir() / "copy-tables.db").string();
    create_state_tables(path);
    Database db(path, Database::Access::read_only);
    Statement select = db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> "
        "'schema_versions'");
    std::set<std::string> made;
    while (select.step()) made.insert(*select.text(0));
    EXPECT_EQ(made, std::set<std::string>(kStateTables.begin(), kStateTables.end()));
}

}  // namespace
}  // namespace arbiter::storage
