// The service on the tiny model: every endpoint, every refusal, the decision log, policy versions,
// API keys (in-process, through the router), and over real HTTP against `arbiter serve` where a
// process is the point: its log file after a clean stop, restarts, remote backends, the OpenAI SDK
// (the cascade serve builds: service_cascade_test.cpp; startup refusals, limits, deadlines and
// draining: service_limits_test.cpp).

#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/in_process_server.h"
#include "support/llama_server.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::ServerProcess;

using test::error_message;
using test::fresh_db;
using test::kPolicies;
using test::metric;
using test::post;
using test::Reply;
using test::send;
using test::write_config;

// The routes themselves, in-process on the tiny model's engine as serve runs it.
class ServiceTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::InProcessServer(
            fresh_db("shared"),
            {.config = {}, .keys_file = {}, .engine = true, .streams = 0, .max_reasoning_tokens = 0});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static const test::InProcessServer& service() { return *server_; }
    static test::InProcessServer* server_;
};
test::InProcessServer* ServiceTest::server_ = nullptr;

TEST_F(ServiceTest, HealthAndReadiness) {
    const Reply health = send(service(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body["status"], "alive");
    const Reply ready = send(service(), "GET", "/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.body["policies"], 3);
    EXPECT_EQ(ready.body["database"]["engine"], test::service_tests_on_postgres() ? "postgresql" : "sqlite");
    EXPECT_EQ(ready.body["database"]["writable"], true);
}

TEST_F(ServiceTest, ClassifiesOneItemAgainstStoredPolicies) {
    const Reply r =
        post(service(), "/v1/classify",
             {{"policies", {"spam", "self-harm"}}, {"content", "buy now"}, {"id", "m1"}, {"mode", "score"}});
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["id"], "m1");
    ASSERT_EQ(r.body["verdicts"].size(), 2u);
    EXPECT_EQ(r.body["verdicts"][0]["policy"], "spam");
    EXPECT_EQ(r.body["verdicts"][1]["policy"], "self-harm");
    json expected_violations = json::array();
    for (const json& v : r.body["verdicts"]) {
        EXPECT_EQ(v["status"], "ok");
        EXPECT_EQ(v["policy_version"], 1);
        ASSERT_TRUE(v["probability"].is_number());
        EXPECT_EQ(v["violation"], v["probability"].get<double>() >= 0.5);
        if (v["violation"] == true) expected_violations.push_back(v["policy"]);
    }
    EXPECT_EQ(r.body["violations"], expected_violations);
    const std::string request_id = r.body["request_id"];
    EXPECT_TRUE(std::regex_match(request_id, std::regex("req_[0-9a-f]{24}")));
    ASSERT_TRUE(r.headers.count("X-Request-Id"));
    EXPECT_EQ(r.headers.find("X-Request-Id")->second, request_id);
}

// An agent's transcript as OpenAI's SDKs send it is classified, and the decision log keeps its
// tool calls and results.
TEST_F(ServiceTest, ClassifiesAnAgentTranscript) {
    const json messages = {
        {{"role", "user"}, {"content", "pay my rent"}},
        {{"role", "assistant"},
         {"content", nullptr},
         {"tool_calls",
          {{{"id", "call_1"},
            {"type", "function"},
            {"function", {{"name", "send_money"}, {"arguments", "{\"iban\": \"GB00 1234\"}"}}}}}}},
        {{"role", "tool"}, {"tool_call_id", "call_1"}, {"content", "agent-transcript-logged"}}};
    const Reply r = post(service(), "/v1/classify",
                         {{"policies", {"spam"}}, {"content", {{"messages", messages}}}, {"mode", "score"}});
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["verdicts"][0]["status"], "ok") << r.text;
    const Reply logged = send(service(), "GET", "/v1/decisions?text=agent-transcript-logged");
    ASSERT_EQ(logged.status, 200) << logged.text;
    ASSERT_EQ(logged.body["decisions"].size(), 1u) << logged.text;
    const json& stored = logged.body["decisions"][0]["content"]["messages"];
    EXPECT_EQ(stored[1]["tool_calls"][0]["function"]["name"], "send_money");
    EXPECT_EQ(stored[2]["tool_call_id"], "call_1");
    EXPECT_EQ(stored[2]["name"], "send_money");
}

TEST_F(ServiceTest, BatchReasonModeWithInlinePolicy) {
    const json inline_policy = {
        {"id", "inline-cats"}, {"output", "binary"}, {"text", "Flag anything about cats."}};
    const json body = {{"policies", {inline_policy}},
                       {"items",
                        {{{"id", "a"}, {"content", "hello"}},
                         {{"id", 7}, {"content", {{"prompt", "hi"}, {"response", "hey"}}}},
                         {{"content", {{"messages", {{{"role", "user"}, {"content", "yo"}}}}}}}}},
                       {"max_reasoning_tokens", 8}};
    const Reply r = post(service(), "/v1/classify", body);
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["items"].size(), 3u);
    EXPECT_EQ(r.body["items"][0]["id"], "a");
    EXPECT_EQ(r.body["items"][1]["id"], "7");
    EXPECT_EQ(r.body["items"][2]["id"], "3");
    for (const json& item : r.body["items"]) {
        const json& v = item["verdicts"][0];
        EXPECT_EQ(v["policy"], "inline-cats");
        // The answer is grammar-bound, so it always parses, and the budget bounds the reasoning.
        EXPECT_EQ(v["status"], "ok") << v.dump();
        EXPECT_TRUE(v["violation"].is_boolean());
        // 8 reasoning tokens, the final channel's header (6) and a one-character answer (at most 4).
        EXPECT_LE(v["usage"]["completion_tokens"].get<int>(), 8 + 6 + 4) << v.dump();
        EXPECT_GT(v["usage"]["prompt_tokens"].get<int>(), 0);
    }
}

TEST_F(ServiceTest, RefusesBadRequestsWithReasons) {
    struct Case {
        std::string body;
        int status;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"{not json", 400, "not valid JSON"},
        {"[]", 400, "JSON object"},
        {R"({"policies": ["spam"]})", 400, "either content"},
        {R"({"policies": ["spam"], "content": "x", "items": []})", 400, "either content"},
        {R"({"policies": [], "content": "x"})", 400, "policies"},
        {R"({"policies": ["spam"], "content": 5})", 400, "content must be"},
        {R"({"policies": ["spam"], "content": {"prompt": "x"}})", 400, "content"},
        {R"({"policies": ["spam"], "content": "x", "mode": "fast"})", 400, "mode"},
        {R"({"policies": ["spam"], "content": "x", "effort": "max"})", 400, "effort"},
        {R"({"policies": ["spam"], "content": "x", "max_reasoning_tokens": 0})", 400, "max_reasoning_tokens"},
        {R"({"policies": ["spam"], "content": "x", "colour": 1})", 400, "unknown field 'colour'"},
        {R"({"policies": ["spam", "spam"], "content": "x"})", 400, "twice"},
        {R"({"policies": [{"id": "x"}], "content": "x"})", 400, "text"},
        {R"({"policies": [{"id": "x y", "text": "t"}], "content": "x"})", 400, "id"},
        {R"({"policies": ["no-such-policy"], "content": "x"})", 404, "no policy 'no-such-policy'"},
    };
    for (const Case& c : cases) {
        const Reply r = send(service(), "POST", "/v1/classify", c.body);
        EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.text;
        EXPECT_NE(error_message(r).find(c.says), std::string::npos) << c.body << " -> " << r.text;
        EXPECT_TRUE(r.body["error"]["type"].is_string()) << r.text;
    }
    const Reply unknown = send(service(), "GET", "/v2/nothing");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(error_message(unknown).find("no such endpoint"), std::string::npos);
}

TEST_F(ServiceTest, ModerationsLikeOpenAI) {
    const Reply r = post(service(), "/v1/moderations", {{"input", {"first text", "second text"}}});
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["model"], "default");
    EXPECT_TRUE(std::regex_match(r.body["id"].get<std::string>(), std::regex("modr-[0-9a-f]{24}")));
    ASSERT_EQ(r.body["results"].size(), 2u);
    for (const json& result : r.body["results"]) {
        bool any = false;
        for (const std::string id : {"spam", "hate-speech", "self-harm"}) {
            ASSERT_TRUE(result["categories"][id].is_boolean()) << result.dump();
            const double score = result["category_scores"][id];
            EXPECT_GE(score, 0.0);
            EXPECT_LE(score, 1.0);
            EXPECT_EQ(result["categories"][id], score >= 0.5);
            EXPECT_EQ(result["category_applied_input_types"][id], json::array({"text"}));
            any = any || score >= 0.5;
        }
        EXPECT_EQ(result["flagged"], any);
        EXPECT_EQ(result["verdicts"].size(), 3u);
    }
    const Reply parts =
        post(service(), "/v1/moderations",
             {{"input", {{{"type", "text"}, {"text", "a"}}, {{"type", "text"}, {"text", "b"}}}}});
    ASSERT_EQ(parts.status, 200) << parts.text;
    EXPECT_EQ(parts.body["results"].size(), 1u);

    const Reply image = post(service(), "/v1/moderations",
                             {{"input", {{{"type", "image_url"}, {"image_url", {{"url", "http://x"}}}}}}});
    EXPECT_EQ(image.status, 400);
    EXPECT_NE(error_message(image).find("only text"), std::string::npos);
    const Reply openai =
        post(service(), "/v1/moderations", {{"input", "x"}, {"model", "omni-moderation-latest"}});
    EXPECT_EQ(openai.body["model"], "omni-moderation-latest") << openai.text;  // the default set's alias
    const Reply model = post(service(), "/v1/moderations", {{"input", "x"}, {"model", "omni-moderation-99"}});
    EXPECT_EQ(model.status, 404);
    EXPECT_NE(error_message(model).find("no policy set 'omni-moderation-99'"), std::string::npos);
    EXPECT_NE(error_message(model).find("(sets: default;"), std::string::npos) << error_message(model);
    EXPECT_EQ(post(service(), "/v1/moderations", {{"text", "x"}}).status, 400);
}

TEST_F(ServiceTest, MetricsCountRequestsAndVerdicts) {
    const std::string before = send(service(), "GET", "/metrics").text;
    const auto count = [](const std::string& text, const std::string& series) {
        return std::max(0.0, metric(text, series));
    };
    const std::string ok = R"(arbiter_http_requests_total{endpoint="/v1/classify",status="200"})";
    const std::string spam_yes = R"(arbiter_verdicts_total{policy="spam",outcome="violation"})";
    const std::string spam_no = R"(arbiter_verdicts_total{policy="spam",outcome="no_violation"})";
    const double ok_before = count(before, ok);
    const double spam_before = count(before, spam_yes) + count(before, spam_no);
    ASSERT_EQ(
        post(service(), "/v1/classify", {{"policies", {"spam"}}, {"content", "x"}, {"mode", "score"}}).status,
        200);
    ASSERT_EQ(
        post(service(), "/v1/classify", {{"policies", {"spam"}}, {"content", "y"}, {"mode", "score"}}).status,
        200);
    // A request is counted once its response is written, so the client may see the response a
    // moment before the count.
    Reply after;
    for (int i = 0; i < 200; ++i) {
        after = send(service(), "GET", "/metrics");
        if (count(after.text, ok) >= ok_before + 2) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(after.status, 200);
    EXPECT_EQ(count(after.text, ok), ok_before + 2);
    EXPECT_EQ(count(after.text, spam_yes) + count(after.text, spam_no), spam_before + 2);
    EXPECT_EQ(metric(after.text, "arbiter_queue_depth"), 0);
    EXPECT_EQ(metric(after.text, "arbiter_queue_capacity"), 256);
    EXPECT_GT(metric(after.text, R"(arbiter_tokens_total{kind="prompt"})"), 0);
    EXPECT_GT(metric(after.text, "arbiter_prefix_cache_hits_total"), 0);
    EXPECT_GE(metric(after.text, R"(arbiter_http_request_duration_seconds_count{endpoint="/v1/classify"})"),
              2);
    EXPECT_NE(after.text.find("# TYPE arbiter_http_request_duration_seconds histogram"), std::string::npos);
}

TEST(Service, DecisionLogRecordsEveryVerdictAndFilters) {
    const auto db = fresh_db("decisions");
    ServerProcess server(db, {"--policies", kPolicies});
    const Reply a =
        post(server.port(), "/v1/classify",
             {{"policies", {"spam", "hate-speech"}}, {"content", "first"}, {"id", "one"}, {"mode", "score"}});
    ASSERT_EQ(a.status, 200);
    const Reply b =
        post(server.port(), "/v1/classify",
             {{"policies", {"spam"}}, {"content", {{"prompt", "p"}, {"response", "r"}}}, {"mode", "score"}});
    ASSERT_EQ(b.status, 200);

    const Reply all = send(server.port(), "GET", "/v1/decisions");
    ASSERT_EQ(all.status, 200) << all.text;
    ASSERT_EQ(all.body["decisions"].size(), 3u);
    // Newest first; each row holds the verdict exactly as it was returned.
    const json& newest = all.body["decisions"][0];
    EXPECT_EQ(newest["request_id"], b.body["request_id"]);
    EXPECT_EQ(newest["verdict"], b.body["verdicts"][0]);
    EXPECT_EQ(newest["content"], json({{"prompt", "p"}, {"response", "r"}}));
    EXPECT_EQ(newest["mode"], "score");
    EXPECT_EQ(newest["content_sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(all.body["decisions"][2]["content"], json({{"text", "first"}}));
    // The hash is of the message the model saw: a message's own text, here.
    EXPECT_EQ(all.body["decisions"][2]["content_sha256"],
              "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e");
    EXPECT_EQ(all.body["decisions"][2]["item_id"], "one");

    const Reply hate = send(server.port(), "GET", "/v1/decisions?policy=hate-speech");
    ASSERT_EQ(hate.body["decisions"].size(), 1u);
    EXPECT_EQ(hate.body["decisions"][0]["verdict"]["policy"], "hate-speech");
    const Reply one = send(server.port(), "GET", "/v1/decisions?limit=1");
    EXPECT_EQ(one.body["decisions"].size(), 1u);
    size_t violations = 0;
    for (const json& v : all.body["decisions"]) violations += v["verdict"]["violation"] == true ? 1 : 0;
    EXPECT_EQ(send(server.port(), "GET", "/v1/decisions?violation=true").body["decisions"].size(),
              violations);
    EXPECT_EQ(send(server.port(), "GET", "/v1/decisions?since=2000-01-01").body["decisions"].size(), 3u);
    EXPECT_EQ(send(server.port(), "GET", "/v1/decisions?since=2999-01-01T00:00:00Z").body["decisions"].size(),
              0u);
    for (const std::string bad :
         {"limit=0", "limit=1001", "limit=x", "violation=maybe", "since=yesterday", "sort=asc"}) {
        const Reply r = send(server.port(), "GET", "/v1/decisions?" + bad);
        EXPECT_EQ(r.status, 400) << bad;
    }
    EXPECT_EQ(server.stop(), 0) << server.log();

    // The log is an ordinary SQLite file in WAL mode that operators can read (on PostgreSQL there is
    // no file of arbiter's to check).
    if (test::service_tests_on_postgres()) return;
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(handle, "PRAGMA journal_mode", -1, &stmt, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(handle);
}

TEST(Service, NoStoreContentKeepsOnlyTheHash) {
    service::ServiceConfig config;
    config.store_content = false;  // as --no-store-content sets it
    const test::InProcessServer server(
        fresh_db("no-content"),
        {.config = config, .keys_file = {}, .engine = true, .streams = 0, .max_reasoning_tokens = 0});
    ASSERT_EQ(post(server, "/v1/classify", {{"policies", {"spam"}}, {"content", "secret"}, {"mode", "score"}})
                  .status,
              200);
    const Reply r = send(server, "GET", "/v1/decisions");
    ASSERT_EQ(r.body["decisions"].size(), 1u);
    EXPECT_TRUE(r.body["decisions"][0]["content"].is_null());
    EXPECT_EQ(r.body["decisions"][0]["content_sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(r.text.find("secret"), std::string::npos);
}

TEST(Service, PolicyVersionsAreStoredAndUsed) {
    const auto db = fresh_db("versions");
    {
        ServerProcess server(db, {"--policies", kPolicies});
        const int port = server.port();
        const Reply list = send(port, "GET", "/v1/policies");
        ASSERT_EQ(list.body["policies"].size(), 3u);

        const Reply v1 = send(port, "GET", "/v1/policies/spam");
        ASSERT_EQ(v1.status, 200);
        EXPECT_EQ(v1.body["version"], 1);
        const std::string old_text = v1.body["text"];

        // A policy file as the body (front matter + Markdown) makes version 2.
        const Reply put = send(port, "PUT", "/v1/policies/spam",
                               "---\noutput: json\n---\n# Spam v2\nFlag all ads.\n", "", "text/markdown");
        ASSERT_EQ(put.status, 200) << put.text;
        EXPECT_EQ(put.body["version"], 2);
        EXPECT_EQ(put.body["output"], "json");
        EXPECT_EQ(send(port, "GET", "/v1/policies/spam").body["text"], "# Spam v2\nFlag all ads.");
        EXPECT_EQ(send(port, "GET", "/v1/policies/spam?version=1").body["text"], old_text);

        // Verdicts name the version that judged them.
        const Reply verdict =
            post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", "x"}, {"mode", "score"}});
        EXPECT_EQ(verdict.body["verdicts"][0]["policy_version"], 2);

        // JSON body; a stale version is a conflict, not an overwrite.
        const Reply stale =
            send(port, "PUT", "/v1/policies/spam", json({{"version", 2}, {"text", "t"}}).dump());
        EXPECT_EQ(stale.status, 409) << stale.text;
        const Reply next =
            send(port, "PUT", "/v1/policies/spam", json({{"version", 3}, {"text", "v3"}}).dump());
        EXPECT_EQ(next.status, 200) << next.text;
        const Reply created =
            send(port, "PUT", "/v1/policies/brand-new", json({{"text", "new policy"}}).dump());
        EXPECT_EQ(created.status, 201) << created.text;

        EXPECT_EQ(send(port, "PUT", "/v1/policies/spam", json({{"text", 5}}).dump()).status, 400);
        EXPECT_EQ(
            send(port, "PUT", "/v1/policies/spam", json({{"id", "other"}, {"text", "t"}}).dump()).status,
            400);
        EXPECT_EQ(
            send(port, "PUT", "/v1/policies/spam", "---\noutput: yaml\n---\nx", "", "text/markdown").status,
            400);
        // Rules the cascade could not compile are refused before they are stored (at the next
        // start they would stop the server).
        const Reply bad_rule = send(port, "PUT", "/v1/policies/spam",
                                    "---\nrules:\n  - {id: r, regex: '(unclosed', action: violate}\n---\nx",
                                    "", "text/markdown");
        EXPECT_EQ(bad_rule.status, 400) << bad_rule.text;
        EXPECT_NE(bad_rule.text.find("not accepted by Hyperscan"), std::string::npos) << bad_rule.text;
        EXPECT_EQ(send(port, "GET", "/v1/policies/spam").body["version"], 3);
        EXPECT_EQ(send(port, "GET", "/v1/policies/spam?version=99").status, 404);
        EXPECT_EQ(send(port, "GET", "/v1/policies/spam?version=abc").status, 400);

        // DELETE retires it; history stays readable.
        EXPECT_EQ(send(port, "DELETE", "/v1/policies/hate-speech").status, 204);
        EXPECT_EQ(send(port, "GET", "/v1/policies/hate-speech").status, 404);
        EXPECT_EQ(post(port, "/v1/classify", {{"policies", {"hate-speech"}}, {"content", "x"}}).status, 404);
        EXPECT_EQ(send(port, "GET", "/v1/policies/hate-speech?version=1").body["deleted"], false);
        EXPECT_EQ(send(port, "GET", "/v1/policies/hate-speech?version=2").body["deleted"], true);
        EXPECT_EQ(send(port, "DELETE", "/v1/policies/hate-speech").status, 404);
        EXPECT_EQ(server.stop(), 0);
    }
    // A restart keeps every version, and the unchanged files do not undo the edits.
    ServerProcess again(db, {"--policies", kPolicies});
    EXPECT_EQ(send(again.port(), "GET", "/v1/policies/spam").body["version"], 3);
    EXPECT_EQ(send(again.port(), "GET", "/v1/policies/hate-speech").status, 404);
    EXPECT_EQ(send(again.port(), "GET", "/v1/policies/brand-new").status, 200);
}

TEST(Service, ApiKeysAndRoles) {
    const std::string keys = (test::scratch_dir() / "keys.txt").string();
    std::filesystem::remove(keys);
    const auto make_key = [&](const std::string& name, const std::string& role) {
        const test::CommandResult r = test::run_command(test::built_binary("arbiter") + " apikey --name " +
                                                        name + " --role " + role + " --file " + keys);
        EXPECT_EQ(r.exit_code, 0) << r.output;
        std::smatch key;
        EXPECT_TRUE(std::regex_search(r.output, key, std::regex("arb_[A-Za-z0-9_-]{43}"))) << r.output;
        return key.str();
    };
    const std::string classify_key = make_key("app", "classify");
    const std::string admin_key = make_key("ops", "admin");
    // Only hashes are stored.
    std::ifstream in(keys);
    const std::string stored((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(stored.find(classify_key), std::string::npos);
    EXPECT_EQ(std::filesystem::status(keys).permissions() & std::filesystem::perms::others_read,
              std::filesystem::perms::none);

    const test::InProcessServer server(
        fresh_db("keys"),
        {.config = {}, .keys_file = keys, .engine = true, .streams = 0, .max_reasoning_tokens = 0});
    const json body = {{"policies", {"spam"}}, {"content", "x"}, {"mode", "score"}};
    const Reply none = post(server, "/v1/classify", body);
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.headers.find("WWW-Authenticate")->second, "Bearer");
    EXPECT_EQ(post(server, "/v1/classify", body, classify_key + "x").status, 401);
    EXPECT_EQ(post(server, "/v1/classify", body, classify_key).status, 200);
    EXPECT_EQ(post(server, "/v1/classify", body, admin_key).status, 200);
    EXPECT_EQ(send(server, "GET", "/v1/policies", "", classify_key).status, 200);
    EXPECT_EQ(send(server, "PUT", "/v1/policies/x", json({{"text", "t"}}).dump(), classify_key).status, 403);
    EXPECT_EQ(send(server, "PUT", "/v1/policies/x", json({{"text", "t"}}).dump(), admin_key).status, 201);
    EXPECT_EQ(send(server, "DELETE", "/v1/policies/x", "", classify_key).status, 403);
    EXPECT_EQ(send(server, "GET", "/v1/decisions", "", classify_key).status, 403);
    EXPECT_EQ(send(server, "GET", "/v1/decisions", "", admin_key).status, 200);
    // Probes and metrics need no key.
    EXPECT_EQ(send(server, "GET", "/healthz").status, 200);
    EXPECT_EQ(send(server, "GET", "/metrics").status, 200);
}

TEST(Service, OpenAINodeSdkParsesModerations) {
    const std::string node_dir = std::string(ARBITER_SOURCE_DIR) + "/tests/node";
    ASSERT_TRUE(std::filesystem::exists(node_dir + "/node_modules/openai"))
        << "the OpenAI SDK is not installed: run npm ci --prefix tests/node (scripts/test does)";
    const std::string keys = (test::scratch_dir() / "sdk-keys.txt").string();
    std::filesystem::remove(keys);
    const test::CommandResult made = test::run_command(test::built_binary("arbiter") +
                                                       " apikey --name sdk --role classify --file " + keys);
    std::smatch key;
    ASSERT_TRUE(std::regex_search(made.output, key, std::regex("arb_[A-Za-z0-9_-]{43}"))) << made.output;
    const std::string config = write_config("sdk", "policy_sets:\n  strict: {threshold: 0.1}\n");
    ServerProcess server(fresh_db("sdk"), {"--policies", kPolicies, "--api-keys", keys, "--config", config});
    const test::CommandResult sdk = test::run_command(
        "node " + node_dir + "/moderation.mjs http://127.0.0.1:" + std::to_string(server.port()) + "/v1 " +
        key.str());
    EXPECT_EQ(sdk.exit_code, 0) << sdk.output;
    EXPECT_NE(sdk.output.find("openai sdk: ok"), std::string::npos) << sdk.output;
}

TEST(Service, ServesFromARemoteLlamaServer) {
    ARBITER_NEED_LLAMA_SERVER();
    test::LlamaServer llama(test::tiny_model(), {"-c", "8192", "-np", "2", "-fa", "off"});
    ServerProcess server(fresh_db("remote"), {"--policies", kPolicies, "--backend", "remote", "--endpoint",
                                              llama.url(), "--remote-mode", "raw"});
    const Reply r = post(server.port(), "/v1/classify",
                         {{"policies", {"spam", "hate-speech"}}, {"content", "buy now"}, {"mode", "score"}});
    ASSERT_EQ(r.status, 200) << r.text;
    for (const json& v : r.body["verdicts"]) {
        EXPECT_EQ(v["status"], "ok") << v.dump();
        ASSERT_TRUE(v["probability"].is_number());
        EXPECT_GT(v["usage"]["prompt_tokens"].get<int>(), 0);
    }
    const Reply moderation = post(server.port(), "/v1/moderations", {{"input", {"a", "b"}}});
    ASSERT_EQ(moderation.status, 200) << moderation.text;
    EXPECT_EQ(moderation.body["results"].size(), 2u);
    EXPECT_EQ(send(server.port(), "GET", "/v1/decisions").body["decisions"].size(), 2u + 6u);
}

}  // namespace
}  // namespace arbiter
