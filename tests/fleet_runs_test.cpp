// What lives in one instance of a fleet, and what happens when that instance goes (issue 28): a
// run is claimed by one instance, cancelled through any, and taken over by another when its
// instance is killed; a stream is held by the instance that opened it, and the others say which
// that is. The fleet is on PostgreSQL always (support/fleet.h); a run surviving a restart of one
// server runs on the engine the service tests are on.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/fleet.h"
#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/within.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::Fleet;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;
using test::within;

// Leases short enough that a test sees a takeover (a chunk of a run takes well under a second on
// the tiny model, and a request at most request_timeout_ms).
std::string short_leases() {
    return test::write_file("short-leases.yaml",
                            "server:\n  request_timeout_ms: 3000\n  run_lease_ms: 4000\n");
}

// Logs `n` decisions of spam with content on `port`, for a run to replay.
void log_decisions(int port, int n) {
    for (int i = 0; i < n; ++i) {
        const Reply r =
            post(port, "/v1/classify",
                 {{"policies", {"spam"}}, {"content", "item " + std::to_string(i)}, {"mode", "score"}});
        ASSERT_EQ(r.status, 200) << r.text;
    }
}

// A replay of the last `n` decisions in reason mode: long enough on the tiny model to be caught
// running.
json long_run(int n) {
    return {
        {"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", n}}}, {"mode", "reason"}};
}

json run_on(int port, const std::string& id) {
    return send(port, "GET", "/v1/runs/" + id).body;
}

// Starts a long run through `port` and waits until an instance runs it; returns it then.
json running_run(int port, int items) {
    const Reply started = post(port, "/v1/runs", long_run(items));
    EXPECT_EQ(started.status, 202) << started.text;
    const std::string id = started.body.value("id", "");
    json run;
    EXPECT_TRUE(within(std::chrono::seconds(10), [&] {
        run = run_on(port, id);
        return run.value("status", "") == "running" && run["progress"]["done"].get<int>() > 0;
    })) << run.dump();
    return run;
}

size_t index_of(const json& run) {
    return static_cast<size_t>(run["instance"].get<std::string>()[0] - 'a');
}

TEST_F(Fleet, ARunStartedOnOneInstanceIsCancelledThroughAnother) {
    start("fleet-run-cancel");
    log_decisions(port(0), 24);
    const json run = running_run(port(0), 24);
    const size_t holder = index_of(run);
    const size_t other = (holder + 1) % 3;
    const Reply cancelled =
        post(port(other), "/v1/runs/" + run["id"].get<std::string>() + "/cancel", json::object());
    ASSERT_EQ(cancelled.status, 200) << cancelled.text;
    EXPECT_TRUE(within(std::chrono::seconds(20), [&] {
        return run_on(port(holder), run["id"])["status"] == "cancelled";
    })) << run_on(port(holder), run["id"]).dump();
    // Cancelling it again, from anywhere, is a 409: it has finished.
    EXPECT_EQ(
        post(port((holder + 2) % 3), "/v1/runs/" + run["id"].get<std::string>() + "/cancel", json::object())
            .status,
        409);
}

TEST_F(Fleet, TheRunOfAnInstanceKilledMidwayIsTakenOverAndFinished) {
    start("fleet-run-takeover", {}, {"--config", short_leases()});
    log_decisions(port(0), 16);
    const json run = running_run(port(0), 16);
    const size_t holder = index_of(run);
    kill(servers_[holder]->pid(), SIGKILL);
    const size_t other = (holder + 1) % 3;
    json after;
    EXPECT_TRUE(within(std::chrono::seconds(90), [&] {
        after = run_on(port(other), run["id"]);
        return after.value("status", "") == "done";
    })) << after.dump();
    EXPECT_NE(after["instance"], run["instance"]);
    EXPECT_EQ(after["progress"]["done"], 16);
    EXPECT_EQ(after["results"]["comparison"]["policies"][0]["compared"], 16);
}

// A stream lives in the process that opened it: another instance answers 421 and names it, so a
// load balancer can route by the id; every metric is labelled with the instance's name.
TEST_F(Fleet, AStreamIsHeldByItsInstanceAndTheOthersSayWhich) {
    start("fleet-streams", {}, {"--streams", "1"});
    const Reply opened =
        post(port(0), "/v1/streams", {{"policies", {"spam"}}, {"context", "Write a greeting."}});
    ASSERT_EQ(opened.status, 201) << opened.text;
    const std::string id = opened.body["id"];
    EXPECT_EQ(id.rfind("str_a.", 0), 0u) << id;
    const Reply elsewhere = post(port(1), "/v1/streams/" + id + "/append", {{"text", "Hello"}});
    EXPECT_EQ(elsewhere.status, 421) << elsewhere.text;
    EXPECT_EQ(elsewhere.body["error"]["code"], "held_by_another_instance");
    EXPECT_NE(test::error_message(elsewhere).find("instance 'a'"), std::string::npos) << elsewhere.text;
    EXPECT_EQ(send(port(2), "GET", "/v1/streams/" + id + "/events").status, 421);
    EXPECT_EQ(post(port(0), "/v1/streams/" + id + "/append", {{"text", "Hello"}}).status, 200);
    EXPECT_EQ(post(port(0), "/v1/streams/" + id + "/close", json::object()).status, 200);
    // An id of this instance that it does not hold is simply unknown.
    EXPECT_EQ(post(port(0), "/v1/streams/str_a.000000000000000000000000/append", {{"text", "x"}}).status,
              404);
    EXPECT_EQ(post(port(0), "/v1/streams/str_000000000000000000000000/append", {{"text", "x"}}).status, 404);

    for (size_t i = 0; i < 3; ++i) {
        const std::string metrics = send(port(i), "GET", "/metrics").text;
        const std::string mine = std::string("arbiter_instance=\"") + static_cast<char>('a' + i) + "\"";
        EXPECT_NE(metrics.find("arbiter_queue_depth{" + mine + "}"), std::string::npos) << metrics;
        for (const char* other : {"a", "b", "c"}) {
            if (other[0] == 'a' + static_cast<char>(i)) continue;
            EXPECT_EQ(metrics.find(std::string("arbiter_instance=\"") + other), std::string::npos);
        }
    }
}

// One server stopped (SIGTERM) in the middle of a run: the run goes back to the queue, and the
// server started again runs it to the end.
TEST(RunsAcrossARestart, ARunInterruptedByAStopIsRunAfterTheStart) {
    const std::filesystem::path db = test::fresh_db("runs-restart");
    auto server =
        std::make_unique<ServerProcess>(db, std::vector<std::string>{"--policies", test::kPolicies});
    log_decisions(server->port(), 16);
    const json run = running_run(server->port(), 16);
    EXPECT_EQ(server->stop(), 0) << server->log();
    server = std::make_unique<ServerProcess>(db, std::vector<std::string>{"--policies", test::kPolicies});
    json after;
    EXPECT_TRUE(within(std::chrono::seconds(90), [&] {
        after = run_on(server->port(), run["id"]);
        return after.value("status", "") == "done";
    })) << after.dump();
    EXPECT_EQ(after["progress"]["done"], 16);
}

// Instance names are checked: a dot would make stream ids ambiguous.
TEST(InstanceNames, ABadNameIsRefusedAtStart) {
    for (const char* bad : {"a.b", "", "name with space", "x123456789012345678901234567890123"}) {
        const test::CommandResult r =
            test::run_command(test::built_binary("arbiter") + " serve --policies " + test::kPolicies +
                              " --instance '" + bad + "' --db " + test::fresh_db_arg("bad-instance"));
        EXPECT_NE(r.exit_code, 0) << bad;
        EXPECT_NE(r.output.find("--instance"), std::string::npos) << r.output;
    }
}

}  // namespace
}  // namespace arbiter
