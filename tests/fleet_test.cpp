// Several `arbiter serve` processes on one PostgreSQL database behave as one service (issue 28):
// a policy stored on one is in force on the others within a second, rules tier and all; two that
// store the same next version give one 409; a decision made on one is listed by another; an
// instance killed under load loses no verdict it acknowledged. Always on PostgreSQL (the test
// cluster, support/postgres.h), so the suite runs once, not again under ARBITER_TEST_ENGINE; the
// database's faults on a cluster of their own.

#include "support/fleet.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "storage/database.h"
#include "support/postgres.h"
#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/within.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::kPolicies;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;

json ads_policy(const std::string& literal, std::optional<int> version = std::nullopt) {
    json body = {{"text", "Flag advertising."},
                 {"output", "binary"},
                 {"rules", {{{"id", "ad"}, {"literal", literal}, {"action", "violate"}}}}};
    if (version) body["version"] = *version;
    return body;
}

json verdict_on(int port, const std::string& text) {
    const Reply r = post(port, "/v1/classify", {{"policies", {"ads"}}, {"content", text}, {"mode", "score"}});
    return r.status == 200 ? r.body["verdicts"][0] : json{{"status", r.status}, {"error", r.text}};
}

using test::within;

using test::Fleet;
using test::test_apikey;

TEST_F(Fleet, APolicyStoredOnOneInstanceIsInForceOnAllWithinASecondRulesAndAll) {
    start("fleet-put");
    const Reply put = send(port(0), "PUT", "/v1/policies/ads", ads_policy("buy followers").dump());
    ASSERT_EQ(put.status, 201) << put.text;
    const auto stored = std::chrono::steady_clock::now();
    for (size_t other : {1, 2}) {
        EXPECT_TRUE(within(std::chrono::seconds(1),
                           [&] {
                               const json v = verdict_on(port(other), "Buy f0llowers today");
                               return v.value("tier", "") == "rules" && v.value("violation", false) &&
                                      v.value("policy_version", 0) == 1;
                           }))
            << "instance " << other << ": " << verdict_on(port(other), "Buy f0llowers today").dump();
    }
    EXPECT_LT(std::chrono::steady_clock::now() - stored, std::chrono::milliseconds(2500));

    // A later version from another instance replaces the rule everywhere.
    ASSERT_EQ(send(port(2), "PUT", "/v1/policies/ads", ads_policy("cheap likes").dump()).status, 200);
    EXPECT_TRUE(within(std::chrono::seconds(1), [&] {
        const json v = verdict_on(port(0), "cheap likes here");
        return v.value("tier", "") == "rules" && v.value("policy_version", 0) == 2;
    }));
    EXPECT_EQ(verdict_on(port(0), "Buy f0llowers today").value("tier", ""), "model");

    // A deletion too.
    ASSERT_EQ(send(port(1), "DELETE", "/v1/policies/ads").status, 204);
    EXPECT_TRUE(within(std::chrono::seconds(1),
                       [&] { return send(port(0), "GET", "/v1/policies/ads").status == 404; }));
}

TEST_F(Fleet, TwoInstancesStoringTheSameNextVersionGiveOne409) {
    start("fleet-conflict");
    ASSERT_EQ(send(port(0), "PUT", "/v1/policies/ads", ads_policy("buy followers").dump()).status, 201);
    for (int next = 2; next <= 4; ++next) {
        auto a = std::async(std::launch::async, [&] {
            return send(port(0), "PUT", "/v1/policies/ads", ads_policy("a", next).dump()).status;
        });
        auto b = std::async(std::launch::async, [&] {
            return send(port(1), "PUT", "/v1/policies/ads", ads_policy("b", next).dump()).status;
        });
        const std::multiset<int> statuses = {a.get(), b.get()};
        EXPECT_EQ(statuses, (std::multiset<int>{200, 409})) << "version " << next;
    }
    EXPECT_EQ(send(port(2), "GET", "/v1/policies/ads/versions").body["versions"].size(), 4u);
}

// What the console lists on one instance includes what another decided.
TEST_F(Fleet, ADecisionMadeOnOneInstanceIsListedByAnother) {
    start("fleet-decisions");
    const Reply r =
        post(port(0), "/v1/classify", {{"policies", {"spam"}}, {"content", "hello"}, {"mode", "score"}});
    ASSERT_EQ(r.status, 200) << r.text;
    const Reply listed = send(port(2), "GET", "/v1/decisions");
    ASSERT_EQ(listed.status, 200) << listed.text;
    ASSERT_EQ(listed.body["decisions"].size(), 1u);
    EXPECT_EQ(listed.body["decisions"][0]["request_id"], r.body["request_id"]);
}

// kill -9 under load: every request answered 200 has its rows, whatever was in flight.
TEST_F(Fleet, AnInstanceKilledUnderLoadLosesNoAcknowledgedVerdict) {
    start("fleet-kill");
    std::atomic<bool> stop = false;
    std::mutex mutex;
    std::vector<std::string> acknowledged;
    std::vector<std::jthread> clients;
    clients.reserve(4);
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            for (int i = 0; !stop; ++i) {
                const Reply r = post(port(0), "/v1/classify",
                                     {{"policies", {"spam"}},
                                      {"content", "load " + std::to_string(c) + "-" + std::to_string(i)},
                                      {"mode", "score"}});
                if (r.status != 200) continue;
                const std::lock_guard lock(mutex);
                acknowledged.push_back(r.body["request_id"]);
            }
        });
    }
    ASSERT_TRUE(within(std::chrono::seconds(30), [&] {
        const std::lock_guard lock(mutex);
        return acknowledged.size() >= 10;
    }));
    kill(servers_[0]->pid(), SIGKILL);
    stop = true;
    clients.clear();
    ASSERT_GE(acknowledged.size(), 10u);
    storage::Database db(db_);
    for (const std::string& id : acknowledged) {
        storage::Statement rows = db.prepare("SELECT count(*) FROM decisions WHERE request_id = ?1");
        rows.bind(1, std::string_view(id));
        ASSERT_TRUE(rows.step());
        EXPECT_EQ(rows.integer(0), 1) << id;
    }
    // The others go on serving.
    EXPECT_EQ(post(port(1), "/v1/classify", {{"policies", {"spam"}}, {"content", "after"}, {"mode", "score"}})
                  .status,
              200);
}

// The database restarted under load (a cluster of the test's own): 503 with Retry-After while it
// is away, never another error; answers again without a restart of arbiter; every 200 has its row.
TEST(DatabaseFaults, ARestartUnderLoadIsA503ThenAnswersAgainWithNothingLost) {
    const test::OwnPostgres postgres("restart");
    ServerProcess server(postgres.url(), {"--policies", kPolicies});
    std::atomic<bool> stop = false;
    std::mutex mutex;
    std::vector<std::string> acknowledged;
    std::map<int, int> statuses;
    bool retry_after_on_every_503 = true;
    std::vector<std::jthread> clients;
    clients.reserve(3);
    for (int c = 0; c < 3; ++c) {
        clients.emplace_back([&, c] {
            for (int i = 0; !stop; ++i) {
                const Reply r = post(server.port(), "/v1/classify",
                                     {{"policies", {"spam"}},
                                      {"content", "load " + std::to_string(c) + "-" + std::to_string(i)},
                                      {"mode", "score"}});
                const std::lock_guard lock(mutex);
                ++statuses[r.status];
                if (r.status == 503 && r.headers.find("Retry-After") == r.headers.end())
                    retry_after_on_every_503 = false;
                if (r.status == 200) acknowledged.push_back(r.body["request_id"]);
            }
        });
    }
    const auto answered = [&] {
        const std::lock_guard lock(mutex);
        return acknowledged.size();
    };
    ASSERT_TRUE(within(std::chrono::seconds(30), [&] { return answered() >= 5; }));
    postgres.restart();
    const size_t before = answered();
    EXPECT_TRUE(within(std::chrono::seconds(20), [&] { return answered() >= before + 5; }))
        << "no answers after the restart";
    stop = true;
    clients.clear();
    for (const auto& [status, count] : statuses)
        EXPECT_TRUE(status == 200 || status == 503) << status << " x" << count;
    EXPECT_TRUE(retry_after_on_every_503);
    EXPECT_TRUE(
        within(std::chrono::seconds(5), [&] { return send(server.port(), "GET", "/readyz").status == 200; }));
    storage::Database db(postgres.url());
    for (const std::string& id : acknowledged) {
        storage::Statement rows = db.prepare("SELECT count(*) FROM decisions WHERE request_id = ?1");
        rows.bind(1, std::string_view(id));
        ASSERT_TRUE(rows.step());
        EXPECT_EQ(rows.integer(0), 1) << id;
    }
}

// Keys kept in the database: a server started without --api-keys takes them, and a key made or
// revoked once holds on every instance within a second.
TEST_F(Fleet, AKeyMadeOrRevokedOnceHoldsOnEveryInstance) {
    std::string ops;
    start("fleet-keys", [&] { ops = apikey("--name ops --role admin"); });
    ASSERT_EQ(ops.rfind("arb_", 0), 0u) << ops;
    const auto status = [&](size_t i, const std::string& key) {
        return send(port(i), "GET", "/v1/policies", "", key).status;
    };
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(status(i, ""), 401) << i;
        EXPECT_EQ(status(i, ops), 200) << i;
    }
    const std::string bot = apikey("--name bot");
    EXPECT_TRUE(
        within(std::chrono::seconds(1), [&] { return status(1, bot) == 200 && status(2, bot) == 200; }));
    EXPECT_EQ(send(port(0), "PUT", "/v1/policies/x", "Flag x.\n", bot, "text/markdown").status, 403);
    apikey("--revoke bot");
    EXPECT_TRUE(
        within(std::chrono::seconds(1), [&] { return status(0, bot) == 401 && status(2, bot) == 401; }));
    EXPECT_EQ(status(1, ops), 200);
}

// One box: the keys table of a SQLite file, changed by another process while the server runs.
TEST(KeysInTheDatabase, OnASqliteFileAKeyMadeOrRevokedWhileServingHoldsWithinASecond) {
    const std::string db = (test::scratch_dir() / "keys-one-box.db").string();
    std::filesystem::remove(db);
    const std::string ops = test_apikey(db, "--name ops --role admin");
    ServerProcess server(db, {"--policies", kPolicies, "--host", "0.0.0.0"});  // keys: beyond loopback
    const auto status = [&](const std::string& key) {
        return send(server.port(), "GET", "/v1/policies", "", key).status;
    };
    EXPECT_EQ(status(""), 401);
    EXPECT_EQ(status(ops), 200);
    const std::string bot = test_apikey(db, "--name bot");
    EXPECT_TRUE(within(std::chrono::seconds(1), [&] { return status(bot) == 200; }));
    test_apikey(db, "--revoke ops");
    EXPECT_TRUE(within(std::chrono::seconds(1), [&] { return status(ops) == 401; }));
    // A name taken, and a revoke of no key, are refused with a reason.
    const test::CommandResult taken =
        test::run_command(test::built_binary("arbiter") + " apikey --name bot --db '" + db + "'");
    EXPECT_EQ(taken.exit_code, 2);
    EXPECT_NE(taken.output.find("exists already"), std::string::npos) << taken.output;
    EXPECT_EQ(test::run_command(test::built_binary("arbiter") + " apikey --revoke nobody --db '" + db + "'")
                  .exit_code,
              2);
}

}  // namespace
}  // namespace arbiter
