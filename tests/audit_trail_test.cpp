// The audit trail: every change of state through the API (policies, promotions, shadows, queue
// rules, runs, erasures) recorded with the caller's key; GET /v1/audit's filters, paging and
// refusals; the policy history's authors; and the table append-only, its hash chain broken by a
// row changed behind the triggers' back.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "storage/audit_log.h"
#include "storage/database.h"
#include "support/in_process_server.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::post;
using test::Reply;
using test::send;

class AuditTrail : public ::testing::Test {
protected:
    AuditTrail() : db_(test::fresh_db("audit")) {
        const std::string keys = (test::scratch_dir() / "audit-keys.txt").string();
        std::filesystem::remove(keys);
        rita_ = test::new_api_key(keys, "rita", "review");
        ops_ = test::new_api_key(keys, "ops", "admin");
        server_ = std::make_unique<test::InProcessServer>(
            db_,
            test::InProcessOptions{
                .config = {}, .keys_file = keys, .engine = false, .streams = 0, .max_reasoning_tokens = 0});
    }
    const test::InProcessServer& service() const { return *server_; }
    json events(const std::string& query = "") {
        const Reply r = send(service(), "GET", "/v1/audit" + query, "", ops_);
        EXPECT_EQ(r.status, 200) << r.text;
        return r.body["events"];
    }
    Reply put_policy(const std::string& id, const std::string& text) {
        return send(service(), "PUT", "/v1/policies/" + id, json{{"title", id}, {"text", text}}.dump(), ops_);
    }

    std::filesystem::path db_;
    std::string rita_, ops_;
    std::unique_ptr<test::InProcessServer> server_;
};

TEST_F(AuditTrail, EveryChangeThroughTheApiIsRecordedWithItsCaller) {
    ASSERT_EQ(put_policy("fraud", "# Fraud\n\nViolates (1): scams.\nSafe (0): the rest.\n").status, 201);
    ASSERT_EQ(
        put_policy("fraud", "# Fraud\n\nViolates (1): scams and phishing.\nSafe (0): the rest.\n").status,
        200);
    ASSERT_EQ(send(service(), "PUT", "/v1/policies/fraud/shadow", R"({"version": 1})", ops_).status, 200);
    ASSERT_EQ(send(service(), "DELETE", "/v1/policies/fraud/shadow", "", ops_).status, 204);
    ASSERT_EQ(send(service(), "PUT", "/v1/queue/rules/fraud", R"({"flagged": true})", ops_).status, 200);
    for (const char* text : {"win a prize", "hello"})
        ASSERT_EQ(
            post(service(), "/v1/classify", {{"policies", {"fraud"}}, {"content", {{"text", text}}}}, ops_)
                .status,
            200);
    const Reply run =
        post(service(), "/v1/runs",
             {{"policy", "fraud"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", 5}}}}, rita_);
    ASSERT_EQ(run.status, 202) << run.text;
    const std::string run_id = run.body["id"];
    send(service(), "POST", "/v1/runs/" + run_id + "/cancel", "", rita_);  // cancelled, or finished already
    ASSERT_EQ(post(service(), "/v1/policies/fraud/promote", {{"version", 1}}, ops_).status, 200);
    ASSERT_EQ(send(service(), "DELETE", "/v1/decisions?item_id=someone&reason=art.%2017", "", ops_).status,
              200);
    ASSERT_EQ(send(service(), "DELETE", "/v1/policies/fraud", "", ops_).status, 204);

    // Newest first; a refused change (a run cancelled after it finished is a 409) is not a change.
    std::vector<std::string> actions;
    for (const json& e : events()) actions.insert(actions.begin(), e["action"].get<std::string>());
    std::vector<std::string> expected = {"policy.put",      "policy.put",   "shadow.set", "shadow.clear",
                                         "queue_rule.set",  "run.start",    "run.cancel", "policy.promote",
                                         "decisions.erase", "policy.delete"};
    if (std::find(actions.begin(), actions.end(), "run.cancel") == actions.end())
        expected.erase(std::find(expected.begin(), expected.end(), "run.cancel"));
    EXPECT_EQ(actions, expected);

    const json all = events();
    for (const json& e : all) {
        EXPECT_EQ(e["actor"], e["action"] == "run.start" || e["action"] == "run.cancel" ? "rita" : "ops")
            << e;
        EXPECT_FALSE(e["created_at"].get<std::string>().empty());
    }
    const json promote = events("?action=policy.promote")[0];
    EXPECT_EQ(promote["target"], "policy:fraud");
    EXPECT_EQ(promote["detail"]["version"], 3);
    EXPECT_EQ(promote["detail"]["promoted_from"], 1);
    const json erase = events("?action=decisions.erase")[0];
    EXPECT_EQ(erase["target"], "item_id:someone");
    EXPECT_EQ(erase["detail"]["reason"], "art. 17");
    EXPECT_EQ(events("?action=run.start")[0]["target"], "run:" + run_id);

    // The history names each version's author.
    const Reply history = send(service(), "GET", "/v1/policies/fraud/versions", "", rita_);
    ASSERT_EQ(history.status, 200) << history.text;
    for (const json& v : history.body["versions"]) EXPECT_EQ(v["author"], "ops") << v;
    EXPECT_EQ(history.body["versions"].size(), 4u);  // two puts, the promotion, the deletion
    EXPECT_TRUE(history.body["versions"][3]["deleted"].get<bool>());
}

TEST_F(AuditTrail, FiltersPageAndRefuse) {
    for (int i = 0; i < 5; ++i)
        ASSERT_LT(put_policy("p" + std::to_string(i), "# P\n\nViolates (1): x.\nSafe (0): y.\n").status, 300);
    ASSERT_EQ(send(service(), "DELETE", "/v1/policies/p1", "", ops_).status, 204);

    EXPECT_EQ(events("?action=policy").size(), 6u);  // a family: policy.put and policy.delete
    EXPECT_EQ(events("?action=policy.delete").size(), 1u);
    EXPECT_EQ(events("?target=policy:p3").size(), 1u);
    EXPECT_EQ(events("?actor=ops").size(), 6u);
    EXPECT_EQ(events("?actor=rita").size(), 0u);
    EXPECT_EQ(events("?until=2000-01-01").size(), 0u);
    EXPECT_EQ(events("?since=2000-01-01").size(), 6u);

    // Pages of two, newest first, with no event twice and none missed.
    std::vector<int64_t> seen;
    std::string query = "?limit=2";
    for (int page = 0; page < 10; ++page) {
        const Reply r = send(service(), "GET", "/v1/audit" + query, "", ops_);
        ASSERT_EQ(r.status, 200) << r.text;
        for (const json& e : r.body["events"]) seen.push_back(e["event_id"].get<int64_t>());
        if (r.body["next_before"].is_null()) break;
        query = "?limit=2&before=" + std::to_string(r.body["next_before"].get<int64_t>());
    }
    ASSERT_EQ(seen.size(), 6u);
    EXPECT_TRUE(std::is_sorted(seen.rbegin(), seen.rend()));
    EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 6u);

    EXPECT_EQ(send(service(), "GET", "/v1/audit", "", rita_).status, 403);  // admins only
    EXPECT_EQ(send(service(), "GET", "/v1/audit?who=ops", "", ops_).status, 400);
    EXPECT_EQ(send(service(), "GET", "/v1/audit?since=yesterday", "", ops_).status, 400);
    EXPECT_EQ(send(service(), "GET", "/v1/audit?limit=0", "", ops_).status, 400);
    EXPECT_EQ(send(service(), "GET", "/v1/audit?before=x", "", ops_).status, 400);
}

TEST_F(AuditTrail, IsAppendOnlyAndItsChainShowsARowChangedBehindTheTriggers) {
    ASSERT_EQ(put_policy("a", "# A\n\nViolates (1): x.\nSafe (0): y.\n").status, 201);
    ASSERT_EQ(put_policy("b", "# B\n\nViolates (1): x.\nSafe (0): y.\n").status, 201);
    ASSERT_EQ(put_policy("c", "# C\n\nViolates (1): x.\nSafe (0): y.\n").status, 201);
    Reply verify = send(service(), "GET", "/v1/audit/verify", "", ops_);
    ASSERT_EQ(verify.status, 200) << verify.text;
    EXPECT_EQ(verify.body["events"], 3);
    EXPECT_TRUE(verify.body["intact"].get<bool>());
    EXPECT_EQ(verify.body["head"].get<std::string>().size(), 64u);

    storage::Database db(db_.string());
    EXPECT_THROW(db.exec("UPDATE audit_events SET actor = 'someone else'"), StoreError);
    EXPECT_THROW(db.exec("DELETE FROM audit_events"), StoreError);
    if (db.engine() == storage::Engine::postgres) {
        EXPECT_THROW(db.exec("TRUNCATE audit_events"), StoreError);
    }
    EXPECT_EQ(events().size(), 3u);

    // Someone with the database's owner role can drop the triggers; the chain still tells.
    const bool postgres = db.engine() == storage::Engine::postgres;
    db.exec(postgres ? "DROP TRIGGER audit_events_append_only ON audit_events"
                     : "DROP TRIGGER audit_events_no_update");
    const int64_t second = events()[1]["event_id"].get<int64_t>();
    db.exec("UPDATE audit_events SET actor = 'someone else' WHERE id = " + std::to_string(second));
    verify = send(service(), "GET", "/v1/audit/verify", "", ops_);
    EXPECT_FALSE(verify.body["intact"].get<bool>());
    EXPECT_EQ(verify.body["first_break"], second);
}

// Over a real socket: the caller's address, and a key made with `arbiter apikey --db`.
TEST(AuditTrailOverHttp, RecordsTheCallersAddressAndKeysMadeOnTheCommandLine) {
    const std::filesystem::path db = test::fresh_db("audit-http");
    const std::string arbiter = test::built_binary("arbiter");
    // The database's location as one shell word (a PostgreSQL URL holds '&'; never a quote).
    const test::CommandResult made =
        test::run_command(arbiter + " apikey --name ops --role admin --db '" + db.string() + "'");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    std::smatch key;
    ASSERT_TRUE(std::regex_search(made.output, key, std::regex("arb_[A-Za-z0-9_-]{43}")));
    test::ServerProcess server(db, {"--policies", test::kPolicies});
    const Reply put = test::send(
        server.port(), "PUT", "/v1/policies/x",
        json{{"title", "x"}, {"text", "# X\n\nViolates (1): x.\nSafe (0): y.\n"}}.dump(), key.str());
    ASSERT_EQ(put.status, 201) << put.text;
    const Reply audit = test::send(server.port(), "GET", "/v1/audit", "", key.str());
    ASSERT_EQ(audit.status, 200) << audit.text;
    ASSERT_EQ(audit.body["events"].size(), 2u) << audit.text;
    EXPECT_EQ(audit.body["events"][0]["action"], "policy.put");
    EXPECT_EQ(audit.body["events"][0]["address"], "127.0.0.1");
    EXPECT_EQ(audit.body["events"][1]["action"], "key.create");
    EXPECT_EQ(audit.body["events"][1]["target"], "key:ops");
    EXPECT_EQ(audit.body["events"][1]["address"], "local");
    EXPECT_EQ(audit.body["events"][1]["actor"].get<std::string>().rfind("cli:", 0), 0u);
    // A key revoked on the command line, while the server runs.
    const std::string db_word = " --db '" + db.string() + "'";
    ASSERT_EQ(test::run_command(arbiter + " apikey --name temp --role classify" + db_word).exit_code, 0);
    ASSERT_EQ(test::run_command(arbiter + " apikey --revoke temp" + db_word).exit_code, 0);
    const Reply keys = test::send(server.port(), "GET", "/v1/audit?action=key", "", key.str());
    ASSERT_EQ(keys.body["events"].size(), 3u) << keys.text;
    EXPECT_EQ(keys.body["events"][0]["action"], "key.revoke");
    EXPECT_EQ(keys.body["events"][0]["target"], "key:temp");
    EXPECT_EQ(keys.body["events"][1]["action"], "key.create");
}

}  // namespace
}  // namespace arbiter
