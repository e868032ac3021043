// Numbered schema migrations (storage/migrations.h) on both engines: instances that open one
// database at once apply each change exactly once, a schema newer than this arbiter is refused, and
// a SQLite log from before numbered migrations is taken over with its rows.

#include "storage/migrations.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "storage/audit_log.h"
#include "storage/decision_log.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"
#include "support/both_engines.h"

namespace arbiter::storage {
namespace {

class Migrations : public test::OnBothEngines {};

// Every store, as `arbiter serve` opens them.
void open_every_store(const std::string& location) {
    PolicyStore policies(location);
    DecisionLog log(location, true);
    ReviewLog reviews(location);
    ReviewQueue queue(location);
    RunStore runs(location);
    ShadowVersions shadows(location, policies);
    AuditLog audit(location);
}

TEST_P(Migrations, InstancesStartingTogetherApplyEachChangeOnce) {
    const std::string location = fresh("together");
    std::vector<std::string> errors(6);
    {
        std::vector<std::jthread> instances;
        for (size_t i = 0; i < errors.size(); ++i) {
            instances.emplace_back([&, i] {
                try {
                    open_every_store(location);
                } catch (const std::exception& e) {
                    errors[i] = e.what();
                }
            });
        }
    }
    for (const std::string& e : errors) EXPECT_EQ(e, "");
    Database db(location);
    Statement versions = db.prepare("SELECT schema_name, version FROM schema_versions ORDER BY schema_name");
    std::vector<std::string> schemas;
    while (versions.step()) {
        schemas.push_back(*versions.text(0));
        const bool twice = schemas.back() == "runs" || schemas.back() == "decisions" ||
                           schemas.back() == "policy_versions" ||
                           schemas.back() == "reviews";  // each has a second migration
        EXPECT_EQ(versions.integer(1), twice ? 2 : 1) << schemas.back();
    }
    EXPECT_EQ(schemas, (std::vector<std::string>{"audit_events", "decisions", "policy_shadows",
                                                 "policy_versions", "queue_rules", "reviews", "runs"}));
}

TEST_P(Migrations, ASchemaNewerThanThisArbiterIsRefused) {
    const std::string location = fresh("newer");
    open_every_store(location);
    Database(location).exec("UPDATE schema_versions SET version = 7 WHERE schema_name = 'decisions'");
    try {
        DecisionLog log(location, true);
        FAIL() << "opened";
    } catch (const StoreError& e) {
        const std::string why = e.what();
        EXPECT_NE(why.find("schema version 7, written by a newer arbiter"), std::string::npos) << why;
    }
    EXPECT_NO_THROW(PolicyStore{location});  // the other stores' tables are still this arbiter's
}

// A migration that fails leaves nothing half done: the version is not recorded, the table not made.
TEST_P(Migrations, AFailedMigrationChangesNothing) {
    const std::string location = fresh("failed");
    Database db(location);
    constexpr Migration kBroken[] = {
        [](Database& d) { d.exec("CREATE TABLE half (n INTEGER)"); },
        [](Database& d) { d.exec("THIS IS NOT SQL"); },
    };
    EXPECT_THROW(migrate(db, "broken", kBroken), StoreError);
    EXPECT_FALSE(has_column(db, "half", "n"));
    constexpr Migration kFirst[] = {kBroken[0]};
    migrate(db, "broken", kFirst);
    EXPECT_TRUE(has_column(db, "half", "n"));
}

// Runs of an arbiter from before the runs' queue: a finished one is kept as it was; one it left
// queued or running has no instance that could renew it, and fails, as that arbiter would have
// failed it at its next start.
TEST_P(Migrations, RunsFromBeforeLeasesAreKeptOrFailed) {
    const std::string location = fresh("runs-v1");
    {
        Database db(location);
        constexpr Migration kFirstOnly[] = {[](Database& d) {
            exec_schema(
                d,
                "CREATE TABLE runs (id TEXT PRIMARY KEY, ORDER_COLUMN created_at TIME_TEXT NOT NULL, "
                "created_by TEXT NOT NULL, policy_id TEXT NOT NULL, spec TEXT NOT NULL, status TEXT NOT "
                "NULL, done INTEGER NOT NULL, total INTEGER NOT NULL, finished_at TEXT, error TEXT, "
                "results TEXT)");
        }};
        migrate(db, "runs", kFirstOnly);
        db.exec(
            "INSERT INTO runs (id, created_at, created_by, policy_id, spec, status, done, total) VALUES "
            "('run_done', '2026-01-01', 'rita', 'spam', '{}', 'done', 4, 4), "
            "('run_left', '2026-01-02', 'rita', 'spam', '{}', 'running', 1, 4)");
    }
    RunStore runs(location);
    EXPECT_EQ(runs.get("run_done")->status, "done");
    EXPECT_EQ(runs.get("run_done")->done, 4);
    EXPECT_EQ(runs.get("run_left")->status, "failed");
    EXPECT_FALSE(runs.claim("a", std::chrono::seconds(60)));
}

ARBITER_ON_BOTH_ENGINES(Migrations);

// A log written before numbered migrations (and before three of its columns): its rows are kept
// and it gains what it lacks.
TEST(MigrationsOnSqlite, ALogFromBeforeNumberedMigrationsIsTakenOver) {
    const std::filesystem::path path = test::scratch_dir() / "migrations-old.db";
    std::filesystem::remove(path);
    {
        Database old(path.string());
        old.exec(
            "CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
            "request_id TEXT NOT NULL, item_id TEXT, policy_id TEXT NOT NULL, policy_version INTEGER NOT "
            "NULL, "
            "content_sha256 TEXT NOT NULL, content TEXT, mode TEXT NOT NULL, status TEXT NOT NULL, "
            "violation INTEGER, category TEXT, probability REAL, rationale TEXT, verdict TEXT NOT NULL, "
            "latency_ms REAL)");
        old.exec(
            "INSERT INTO decisions (created_at, request_id, policy_id, policy_version, content_sha256, mode, "
            "status, verdict) VALUES ('2026-01-01T00:00:00.000Z', 'old', 'spam', 1, 'h', 'reason', 'ok', "
            "'{}')");
    }
    DecisionLog log(path.string(), true);
    const std::vector<nlohmann::ordered_json> rows = log.query({});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["request_id"], "old");
    EXPECT_EQ(rows[0]["shadow"], false);
    EXPECT_EQ(rows[0]["policy_source"], nullptr);
}

}  // namespace
}  // namespace arbiter::storage
