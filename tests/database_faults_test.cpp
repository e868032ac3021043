// A network database's faults that are not a restart (fleet_test.cpp has that): a primary that
// turns read-only, as a standby does after a failover, is a 503 and not ready, and answers again
// when it takes writes; a URL naming several hosts with target_session_attrs=read-write is served
// by the one that takes writes. Always on PostgreSQL: registered once (tests/CMakeLists.txt).

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "storage/database.h"
#include "support/postgres.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/within.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;
using test::within;

Reply classify(int port) {
    return post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", "hello"}, {"mode", "score"}});
}

// Sets whether new sessions of the database at `url` may write, and ends its other sessions so
// that the next ones (arbiter reconnects) run under the setting, as after a failover.
void set_read_only(const std::string& url, bool read_only) {
    storage::Database admin(test::postgres_url());
    storage::Database db(url);
    storage::Statement name = db.prepare("SELECT current_database()");
    ASSERT_TRUE(name.step());
    admin.exec("ALTER DATABASE \"" + *name.text(0) +
               "\" SET default_transaction_read_only = " + (read_only ? "on" : "off"));
    admin.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + *name.text(0) +
               "' AND pid <> pg_backend_pid()");
}

TEST(DatabaseFaults, APrimaryTurnedReadOnlyIsA503AndNotReadyUntilItTakesWritesAgain) {
    const std::string url = test::fresh_postgres_db("turned-read-only");
    ServerProcess server(url, {"--policies", test::kPolicies});
    ASSERT_EQ(classify(server.port()).status, 200);

    set_read_only(url, true);
    Reply refused;
    EXPECT_TRUE(within(std::chrono::seconds(10),
                       [&] {
                           refused = classify(server.port());
                           return refused.status == 503;
                       }))
        << refused.status << " " << refused.text;
    EXPECT_NE(refused.headers.find("Retry-After"), refused.headers.end());
    Reply ready;
    EXPECT_TRUE(within(std::chrono::seconds(5), [&] {
        ready = send(server.port(), "GET", "/readyz");
        return ready.status == 503;
    }));
    EXPECT_EQ(ready.body["database"], json({{"engine", "postgresql"}, {"writable", false}})) << ready.text;

    set_read_only(url, false);
    EXPECT_TRUE(within(std::chrono::seconds(10), [&] { return classify(server.port()).status == 200; }));
    EXPECT_TRUE(
        within(std::chrono::seconds(5), [&] { return send(server.port(), "GET", "/readyz").status == 200; }));
}

// "host=DIR" of a test cluster's URL.
std::string host_of(const std::string& url) {
    const size_t at = url.find("host=");
    return url.substr(at + 5, url.find('&', at) - at - 5);
}

TEST(DatabaseFaults, AUrlOfSeveralHostsIsServedByTheOneThatTakesWrites) {
    const test::OwnPostgres standby("standby");
    const test::OwnPostgres primary("primary");
    storage::Database(standby.url()).exec("ALTER SYSTEM SET default_transaction_read_only = on");
    storage::Database(standby.url()).exec("SELECT pg_reload_conf()");
    const std::string both = "postgresql:///postgres?host=" + host_of(standby.url()) + "," +
                             host_of(primary.url()) + "&user=arbiter&target_session_attrs=read-write";
    ServerProcess server(both, {"--policies", test::kPolicies});
    const Reply r = classify(server.port());
    ASSERT_EQ(r.status, 200) << r.text;
    storage::Database written(primary.url());
    storage::Statement rows = written.prepare("SELECT count(*) FROM decisions WHERE request_id = ?1");
    const std::string request_id = r.body["request_id"];
    rows.bind(1, std::string_view(request_id));
    ASSERT_TRUE(rows.step());
    EXPECT_EQ(rows.integer(0), 1);
    storage::Database untouched(standby.url());
    storage::Statement tables =
        untouched.prepare("SELECT count(*) FROM pg_tables WHERE tablename = 'decisions'");
    ASSERT_TRUE(tables.step());
    EXPECT_EQ(tables.integer(0), 0);
}

}  // namespace
}  // namespace arbiter
