// The review console's API on the tiny model (in-process, and over HTTP for the body limit): its files and
// their headers, GET /v1/me, the review role, policy histories, POST /v1/lint, and saving from a stale
// version.

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "http/api_keys.h"
#include "support/in_process_server.h"
#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::error_message;
using test::fresh_db;
using test::kPolicies;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;

std::string header(const Reply& r, const std::string& name) {
    const auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
}

TEST(ApiKeys, RolesAreOrderedClassifyReviewAdmin) {
    using namespace service;
    const std::string rita = make_api_key();
    const ApiKeys keys = ApiKeys::load(
        test::write_file("console-review-keys.txt", api_key_line("rita", Role::review, rita) + "\n"));
    ASSERT_TRUE(keys.find(rita));
    EXPECT_EQ(keys.find(rita)->role, Role::review);
    EXPECT_EQ(parse_role("review"), Role::review);
    EXPECT_EQ(to_string(Role::review), "review");
    EXPECT_FALSE(parse_role("reviewer"));
    EXPECT_TRUE(role_allows(Role::review, Role::classify));
    EXPECT_TRUE(role_allows(Role::review, Role::review));
    EXPECT_FALSE(role_allows(Role::review, Role::admin));
    EXPECT_FALSE(role_allows(Role::classify, Role::review));
    EXPECT_TRUE(role_allows(Role::admin, Role::review));
}

// The console's API in-process, with one key of each role.
class ConsoleApiTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const std::string keys = (test::scratch_dir() / "console-keys.txt").string();
        std::filesystem::remove(keys);
        classify_ = new std::string(test::new_api_key(keys, "app", "classify"));
        review_ = new std::string(test::new_api_key(keys, "rita", "review"));
        admin_ = new std::string(test::new_api_key(keys, "ops", "admin"));
        server_ = new test::InProcessServer(
            fresh_db("console"),
            {.config = {}, .keys_file = keys, .engine = true, .streams = 0, .max_reasoning_tokens = 0});
    }
    static void TearDownTestSuite() {
        delete server_;
        delete classify_;
        delete review_;
        delete admin_;
    }
    static const test::InProcessServer& service() { return *server_; }
    static test::InProcessServer* server_;
    static std::string* classify_;
    static std::string* review_;
    static std::string* admin_;
};
test::InProcessServer* ConsoleApiTest::server_ = nullptr;
std::string* ConsoleApiTest::classify_ = nullptr;
std::string* ConsoleApiTest::review_ = nullptr;
std::string* ConsoleApiTest::admin_ = nullptr;

TEST_F(ConsoleApiTest, ServesTheConsoleWithAStrictContentSecurityPolicy) {
    const Reply index = send(service(), "GET", "/");  // no key: the page itself holds nothing
    ASSERT_EQ(index.status, 200) << index.text;
    EXPECT_EQ(header(index, "Content-Type"), "text/html; charset=utf-8");
    const std::string csp = header(index, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
    EXPECT_EQ(header(index, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
    // Nothing inline and nothing from elsewhere: one script and one stylesheet from this server.
    EXPECT_NE(index.text.find(R"(<script src="/app.js" defer></script>)"), std::string::npos) << index.text;
    EXPECT_FALSE(std::regex_search(index.text, std::regex(R"(<script>|<style|https?://|\son[a-z]+=)")))
        << index.text;

    const Reply js = send(service(), "GET", "/app.js");
    ASSERT_EQ(js.status, 200);
    EXPECT_EQ(header(js, "Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_GT(js.text.size(), 1000u);
    const Reply css = send(service(), "GET", "/app.css");
    ASSERT_EQ(css.status, 200);
    EXPECT_EQ(header(css, "Content-Type"), "text/css; charset=utf-8");
    EXPECT_EQ(header(css, "X-Content-Type-Options"), "nosniff");

    // The ETag names the bytes: a browser's copy is confirmed with a 304 and no body.
    const std::string etag = header(js, "ETag");
    ASSERT_TRUE(std::regex_match(etag, std::regex("\"[0-9a-f]{32}\""))) << etag;
    EXPECT_NE(etag, header(css, "ETag"));
    service::HttpRequest conditional;
    conditional.method = "GET";
    conditional.path = "/app.js";
    conditional.headers = {{"If-None-Match", etag}};
    const service::HttpResponse again = service().handle(std::move(conditional));
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(send(service(), "GET", "/app.map").status, 404);
    EXPECT_EQ(send(service(), "POST", "/", "{}").status, 405);
}

TEST_F(ConsoleApiTest, MeNamesTheKeyAndItsRole) {
    for (const auto& [key, name, role] :
         {std::tuple{*classify_, "app", "classify"}, std::tuple{*review_, "rita", "review"},
          std::tuple{*admin_, "ops", "admin"}}) {
        const Reply me = send(service(), "GET", "/v1/me", "", key);
        ASSERT_EQ(me.status, 200) << me.text;
        EXPECT_EQ(me.body, json({{"name", name}, {"role", role}, {"keys", true}}));
    }
    const Reply none = send(service(), "GET", "/v1/me");
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(header(none, "WWW-Authenticate"), "Bearer");
    const Reply wrong = send(service(), "GET", "/v1/me", "", *admin_ + "x");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_NE(error_message(wrong).find("not valid"), std::string::npos) << wrong.text;
}

// The transport's body limit holds for drafts too: over HTTP, against a small max_body_bytes.
TEST(ConsoleApi, ADraftOverTheBodyLimitIs413) {
    const std::string config = test::write_config("console-limit", "server:\n  max_body_bytes: 65536\n");
    ServerProcess server(fresh_db("console-limit"), {"--policies", kPolicies, "--config", config});
    const Reply r =
        send(server.port(), "POST", "/v1/lint", json({{"text", std::string(size_t{64} * 1024, 'x')}}).dump());
    EXPECT_EQ(r.status, 413) << r.text.substr(0, 300);
    EXPECT_NE(error_message(r).find("larger than"), std::string::npos) << r.text;
}

TEST(ConsoleApi, WithoutKeysEveryoneIsTheAnonymousAdmin) {
    const test::InProcessServer server(fresh_db("console-open"), test::InProcessOptions{});
    const Reply me = send(server, "GET", "/v1/me");
    ASSERT_EQ(me.status, 200) << me.text;
    EXPECT_EQ(me.body, json({{"name", "anonymous"}, {"role", "admin"}, {"keys", false}}));
}

TEST_F(ConsoleApiTest, ReviewReadsDecisionsButOnlyAdminWritesPolicies) {
    const json body = {{"policies", {"spam"}}, {"content", "buy now"}, {"mode", "score"}};
    ASSERT_EQ(post(service(), "/v1/classify", body, *review_).status, 200);  // review may classify
    const Reply decisions = send(service(), "GET", "/v1/decisions?policy=spam", "", *review_);
    ASSERT_EQ(decisions.status, 200) << decisions.text;
    EXPECT_GE(decisions.body["decisions"].size(), 1u);
    EXPECT_EQ(send(service(), "GET", "/v1/reviews?policy=spam", "", *review_).status, 200);

    const Reply classify_reads = send(service(), "GET", "/v1/decisions", "", *classify_);
    EXPECT_EQ(classify_reads.status, 403);
    EXPECT_NE(error_message(classify_reads).find("needs a review key; 'app' is a classify key"),
              std::string::npos)
        << classify_reads.text;
    EXPECT_EQ(send(service(), "GET", "/v1/reviews?policy=spam", "", *classify_).status, 403);

    const std::string policy = json({{"text", "Flag cats."}}).dump();
    EXPECT_EQ(send(service(), "PUT", "/v1/policies/roles", policy, *classify_).status, 403);
    const Reply review_writes = send(service(), "PUT", "/v1/policies/roles", policy, *review_);
    EXPECT_EQ(review_writes.status, 403);
    EXPECT_NE(error_message(review_writes).find("needs an admin key; 'rita' is a review key"),
              std::string::npos)
        << review_writes.text;
    EXPECT_EQ(send(service(), "DELETE", "/v1/policies/spam", "", *review_).status, 403);
    EXPECT_EQ(send(service(), "PUT", "/v1/policies/roles", policy, *admin_).status, 201);
    EXPECT_EQ(send(service(), "GET", "/v1/decisions", "", *admin_).status, 200);
    // Every role reads policies and their histories, and lints drafts.
    for (const std::string* key : {classify_, review_, admin_}) {
        EXPECT_EQ(send(service(), "GET", "/v1/policies/roles/versions", "", *key).status, 200);
        EXPECT_EQ(send(service(), "POST", "/v1/lint", policy, *key).status, 200);
    }
    EXPECT_EQ(send(service(), "POST", "/v1/lint", policy).status, 401);
}

TEST_F(ConsoleApiTest, VersionsListEveryStoredVersionOldestFirst) {
    const std::string id = "history";
    for (const std::string text : {"Flag cats.", "Flag cats and dogs."})
        ASSERT_LT(send(service(), "PUT", "/v1/policies/" + id, json({{"text", text}}).dump(), *admin_).status,
                  300);
    Reply list = send(service(), "GET", "/v1/policies/" + id + "/versions", "", *classify_);
    ASSERT_EQ(list.status, 200) << list.text;
    EXPECT_EQ(list.body["id"], id);
    EXPECT_EQ(list.body["current"], 2);
    ASSERT_EQ(list.body["versions"].size(), 2u);
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(list.body["versions"][i]["version"], i + 1);
        EXPECT_EQ(list.body["versions"][i]["deleted"], false);
        EXPECT_TRUE(std::regex_match(list.body["versions"][i]["created_at"].get<std::string>(),
                                     std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
            << list.text;
    }
    // Each version's text is its own GET.
    EXPECT_EQ(send(service(), "GET", "/v1/policies/" + id + "?version=1", "", *classify_).body["text"],
              "Flag cats.");

    // Retired: the history stays, with the retiring version last and no current one.
    ASSERT_EQ(send(service(), "DELETE", "/v1/policies/" + id, "", *admin_).status, 204);
    list = send(service(), "GET", "/v1/policies/" + id + "/versions", "", *classify_);
    ASSERT_EQ(list.status, 200) << list.text;
    EXPECT_TRUE(list.body["current"].is_null());
    ASSERT_EQ(list.body["versions"].size(), 3u);
    EXPECT_EQ(list.body["versions"][2]["deleted"], true);

    const Reply unknown = send(service(), "GET", "/v1/policies/never-stored/versions", "", *classify_);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_NE(error_message(unknown).find("no policy 'never-stored'"), std::string::npos) << unknown.text;
}

TEST_F(ConsoleApiTest, LintFindsWhatPolicyLintFinds) {
    // A stored example lints clean (as `arbiter policy lint examples/policies` does)...
    json spam = send(service(), "GET", "/v1/policies/spam", "", *classify_).body;
    ASSERT_TRUE(spam.is_object());
    Reply r = send(service(), "POST", "/v1/lint", spam.dump(), *classify_);
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["warnings"], json::array()) << r.text;
    EXPECT_GT(r.body["estimated_tokens"].get<int>(), 300);

    // ...and a hedge word is found on its line of the text.
    std::string text = spam["text"];
    const size_t second_line = text.find('\n') + 1;
    text.insert(second_line, "Posts are usually spam when they sell.\n");
    spam["text"] = text;
    r = send(service(), "POST", "/v1/lint", spam.dump(), *classify_);
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["warnings"].size(), 1u) << r.text;
    EXPECT_EQ(r.body["warnings"][0],
              json({{"line", 2}, {"message", "hedge word 'usually': state the rule definitely"}}));

    // A short draft: the length is estimated, and says so without pointing at the CLI.
    r = send(service(), "POST", "/v1/lint", json({{"text", "Flag cats."}}).dump(), *classify_);
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_NE(r.text.find("(estimated from characters)"), std::string::npos) << r.text;
    EXPECT_EQ(r.text.find("--model"), std::string::npos) << r.text;

    // Nothing is stored.
    EXPECT_EQ(send(service(), "GET", "/v1/policies/draft", "", *classify_).status, 404);
}

TEST_F(ConsoleApiTest, LintRefusesBadDraftsAsPutDoes) {
    struct Case {
        std::string body;
        int status;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"{not json", 400, "not valid JSON"},
        {"[]", 400, "JSON object"},
        {R"({"title": "no text"})", 400, "text"},
        {R"({"text": "t", "colour": 1})", 400, "colour"},
        {R"({"id": "a b", "text": "t"})", 400, "id"},
        {R"({"text": "t", "output": "xml"})", 400, "output"},
        {R"({"text": "t", "rules": [{"id": "r", "regex": "(", "action": "violate"}]})", 400, "r"},
        {R"({"text": "t", "rules": )" + std::string(100, '[') + std::string(100, ']') + "}", 400,
         "nested deeper"},
    };
    for (const Case& c : cases) {
        const Reply r = send(service(), "POST", "/v1/lint", c.body, *classify_);
        EXPECT_EQ(r.status, c.status) << c.body.substr(0, 80) << " -> " << r.text.substr(0, 300);
        EXPECT_NE(error_message(r).find(c.says), std::string::npos)
            << c.body.substr(0, 80) << " -> " << r.text;
    }
}

TEST_F(ConsoleApiTest, SavingFromAStaleVersionIsAConflict) {
    const std::string id = "edited";
    ASSERT_EQ(send(service(), "PUT", "/v1/policies/" + id, json({{"text", "v1"}}).dump(), *admin_).status,
              201);
    // Two editors both open version 1; each states the version it makes (1 + 1).
    const json mine = {{"text", "mine"}, {"version", 2}};
    const json theirs = {{"text", "theirs"}, {"version", 2}};
    ASSERT_EQ(send(service(), "PUT", "/v1/policies/" + id, theirs.dump(), *admin_).status, 200);
    const Reply conflict = send(service(), "PUT", "/v1/policies/" + id, mine.dump(), *admin_);
    EXPECT_EQ(conflict.status, 409);
    EXPECT_NE(error_message(conflict).find("is at version 2"), std::string::npos) << conflict.text;
    EXPECT_EQ(send(service(), "GET", "/v1/policies/" + id, "", *admin_).body["text"], "theirs");
    // Kept after seeing both texts: saved on top of theirs.
    const Reply kept = send(service(), "PUT", "/v1/policies/" + id,
                            json({{"text", "mine"}, {"version", 3}}).dump(), *admin_);
    EXPECT_EQ(kept.status, 200) << kept.text;
    EXPECT_EQ(kept.body["version"], 3);
    // A client that states no version still saves the next one, as before.
    const Reply old_client =
        send(service(), "PUT", "/v1/policies/" + id, json({{"text", "any"}}).dump(), *admin_);
    EXPECT_EQ(old_client.body["version"], 4) << old_client.text;
}

}  // namespace
}  // namespace arbiter
