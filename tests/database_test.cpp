// storage::Database on both engines, against a real PostgreSQL (support/postgres.h) and a SQLite
// file: the same SQL, with ?N parameters, reads back the same values; transactions commit or roll
// back; a broken PostgreSQL connection is made again; policies, shadows and runs behave alike on
// both. The decision log, reviews and the queue: storage_test.cpp; migrations: migrations_test.cpp.

#include "storage/database.h"

#include <gtest/gtest.h>

#include "core/policy_file.h"
#include "storage/decision_log.h"
#include "storage/policy_store.h"
#include "storage/postgres_connection.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"
#include "support/both_engines.h"

namespace arbiter::storage {
namespace {

using test::OnBothEngines;

TEST_P(OnBothEngines, StatementsBindAndReadEveryKindOfValue) {
    Database db(fresh("values"));
    EXPECT_EQ(db.engine(), GetParam());
    // BIGINT: PostgreSQL's INTEGER has 32 bits, SQLite's 64.
    db.exec("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, score DOUBLE PRECISION, note TEXT)");
    Statement insert =
        db.prepare("INSERT INTO t (id, name, score, note) VALUES (?1, ?2, ?3, ?4) RETURNING id");
    insert.bind(1, int64_t{7}).bind(2, std::string_view("it's ?1 \"quoted\"")).bind(3, 0.125).bind_null(4);
    ASSERT_TRUE(insert.step());
    EXPECT_EQ(insert.integer(0), 7);
    insert.reset();
    insert.bind(1, int64_t{9'000'000'000})
        .bind(2, std::optional<std::string>())
        .bind(3, -2.5)
        .bind(4, std::string_view("x"));
    ASSERT_TRUE(insert.step());

    // A ?N inside quoted text is text, on both.
    Statement select = db.prepare("SELECT id, name, score, note, '?1' FROM t WHERE id >= ?1 ORDER BY id");
    select.bind(1, int64_t{0});
    ASSERT_TRUE(select.step());
    EXPECT_EQ(select.integer(0), 7);
    EXPECT_EQ(select.text(1), "it's ?1 \"quoted\"");
    EXPECT_EQ(select.real(2), 0.125);
    EXPECT_TRUE(select.is_null(3));
    EXPECT_EQ(select.text(3), std::nullopt);
    EXPECT_EQ(select.text(4), "?1");
    ASSERT_TRUE(select.step());
    EXPECT_EQ(select.integer(0), 9'000'000'000);
    EXPECT_EQ(select.text(1), std::nullopt);
    EXPECT_EQ(select.real(2), -2.5);
    EXPECT_FALSE(select.step());
}

TEST_P(OnBothEngines, ATransactionCommitsOnlyWhenToldTo) {
    Database db(fresh("transactions"));
    db.exec("CREATE TABLE t (n INTEGER)");
    const auto count = [&] {
        Statement q = db.prepare("SELECT count(*) FROM t");
        return q.step() ? q.integer(0) : -1;
    };
    {
        Database::Transaction abandoned(db);
        db.exec("INSERT INTO t VALUES (1)");
    }
    EXPECT_EQ(count(), 0);
    Database::Transaction kept(db);
    db.exec("INSERT INTO t VALUES (2)");
    kept.commit();
    EXPECT_EQ(count(), 1);
}

TEST_P(OnBothEngines, AFailedStatementIsAStoreErrorThatSaysWhy) {
    Database db(fresh("errors"));
    try {
        Statement q = db.prepare("SELECT * FROM no_such_table");
        q.step();
        FAIL() << "no error";
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(db.usable());
}

// The stores whose SQL is the same on both engines: versions, conflicts and deletes of policies,
// shadows and runs, read back after the store is opened again.
TEST_P(OnBothEngines, PoliciesShadowsAndRunsAreStoredAlike) {
    const std::string location = fresh("stores");
    {
        PolicyStore policies(location);
        EXPECT_EQ(policies.seed({parse_policy("---\nid: spam\n---\nSpam.\n", "spam.md")}), 1u);
        Policy edit = parse_policy("---\nid: spam\n---\nSpam, edited.\n", "");
        edit.version = 2;
        EXPECT_EQ(policies.put(edit, true)->version, 2);
        edit.text = "Another edit from version 1.";
        EXPECT_THROW(policies.put(edit, true), VersionConflict);
        ShadowVersions shadows(location, policies);
        shadows.set("spam", 1, "rita");
        RunStore runs(location);
        storage::Run run;
        run.id = "run_1";
        run.created_by = "ops";
        run.policy_id = "spam";
        run.spec = {{"candidate", {{"version", 1}}}};
        runs.add(run);
    }
    PolicyStore policies(location);
    ASSERT_NE(policies.current("spam"), nullptr);
    EXPECT_EQ(policies.current("spam")->text, "Spam, edited.");
    EXPECT_EQ(policies.versions("spam").size(), 2u);
    EXPECT_TRUE(policies.remove("spam"));
    EXPECT_EQ(policies.current("spam"), nullptr);
    ShadowVersions shadows(location, policies);
    ASSERT_TRUE(shadows.of("spam"));
    EXPECT_EQ(shadows.of("spam")->policy->version, 1);
    EXPECT_EQ(shadows.of("spam")->set_by, "rita");
    // A queued run waits, after the store opens again, for an instance to claim it.
    RunStore runs(location);
    ASSERT_TRUE(runs.get("run_1"));
    EXPECT_EQ(runs.get("run_1")->status, "queued");
    EXPECT_EQ(runs.get("run_1")->spec["candidate"]["version"], 1);
}

ARBITER_ON_BOTH_ENGINES(OnBothEngines);

// A connection the server dropped (a restart, a failover, a proxy's timeout) is made again on the
// next use, without restarting arbiter.
TEST(Postgres, ABrokenConnectionIsMadeAgain) {
    Database db(test::fresh_postgres_db("reconnect"));
    db.exec("CREATE TABLE t (n INTEGER)");
    EXPECT_THROW(db.exec("SELECT pg_terminate_backend(pg_backend_pid())"), PostgresError);
    EXPECT_TRUE(db.usable());
    db.exec("INSERT INTO t VALUES (1)");
    Statement q = db.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.integer(0), 1);
}

TEST(Postgres, APasswordIsNeverPrinted) {
    EXPECT_EQ(without_password("postgresql://ops:s3cr%40t@db.example:5432/arbiter"),
              "postgresql://ops:***@db.example:5432/arbiter");
    EXPECT_EQ(without_password("postgres://db/arbiter?user=ops&password=hunter2&sslmode=require"),
              "postgres://db/arbiter?user=ops&password=***&sslmode=require");
    EXPECT_EQ(without_password("postgresql://ops@db/arbiter?host=/run/pg"),
              "postgresql://ops@db/arbiter?host=/run/pg");
    EXPECT_EQ(without_password("/var/lib/arbiter/p:w@x.db"),
              "/var/lib/arbiter/p:w@x.db");  // a file is a file
}

TEST(Postgres, AnUnreachableServerIsAClearErrorWithinSeconds) {
    std::string error;
    const auto start = std::chrono::steady_clock::now();
    try {
        Database db("postgresql:///postgres?host=/nonexistent-arbiter-socket-dir");
    } catch (const PostgresError& e) {
        error = e.what();
    }
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_NE(error.find("cannot connect to PostgreSQL"), std::string::npos) << error;
    EXPECT_LT(took, std::chrono::seconds(10));
}

}  // namespace
}  // namespace arbiter::storage
