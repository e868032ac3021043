// Searching the decision log through the router, in-process: GET /v1/decisions with each filter (policy,
// version, verdict, time, text), paging with before, the refusals, GET /v1/decisions/{id}, and roles.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "support/decision_rows.h"
#include "support/in_process_server.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::error_message;
using test::fresh_db;
using test::Reply;
using test::send;

// Row i (1-based) of the log written before the server starts.
const std::vector<std::string> kTexts = {
    R"({"text":"Hello World"})",
    R"({"text":"100% sure"})",
    R"({"text":"1000 sure"})",
    R"({"prompt":"say \"hi\"","response":"hi_there"})",
    R"({"messages":[{"role":"user","content":"what a conversation"},{"role":"assistant","content":"indeed"}]})",
};

class DecisionsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const auto db = fresh_db("decisions-search");
        // A few milliseconds apart, so that time bounds can fall between rows.
        for (size_t i = 0; i < kTexts.size(); ++i) {
            test::write_decisions(
                db.string(), {{i % 2 == 0 ? "spam" : "hate-speech", kTexts[i], static_cast<int>(i % 2)}});
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        keys_ = (test::scratch_dir() / "decisions-keys.txt").string();
        std::filesystem::remove(keys_);
        review_ = test::new_api_key(keys_, "rita", "review");
        classify_ = test::new_api_key(keys_, "app", "classify");
        admin_ = test::new_api_key(keys_, "ops", "admin");
        server_ = new test::InProcessServer(
            db, {.config = {}, .keys_file = keys_, .engine = false, .streams = 0, .max_reasoning_tokens = 0});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static Reply get(const std::string& path, const std::string& key = review_) {
        return send(*server_, "GET", path, "", key);
    }
    // The decision ids a search finds, newest first.
    static std::vector<int> ids(const std::string& query) {
        const Reply r = get("/v1/decisions?" + query);
        EXPECT_EQ(r.status, 200) << query << ": " << r.text;
        std::vector<int> out;
        for (const json& row : r.body["decisions"]) out.push_back(row["decision_id"].get<int>());
        return out;
    }
    static test::InProcessServer* server_;
    static std::string keys_, review_, classify_, admin_;
};
test::InProcessServer* DecisionsTest::server_ = nullptr;
std::string DecisionsTest::keys_, DecisionsTest::review_, DecisionsTest::classify_, DecisionsTest::admin_;

using Ids = std::vector<int>;

TEST_F(DecisionsTest, TextSearchIsACaseInsensitiveSubstringOfTheContentsStrings) {
    EXPECT_EQ(ids("text=world"), Ids({1}));
    EXPECT_EQ(ids("text=WORLD"), Ids({1}));
    EXPECT_EQ(ids("text=100%25"), Ids({2}));    // % is literal, not a wildcard
    EXPECT_EQ(ids("text=hi_"), Ids({4}));       // so is _
    EXPECT_EQ(ids("text=%22hi%22"), Ids({4}));  // a quote, as the prompt holds it (not JSON's \")
    EXPECT_EQ(ids("text=conversation"), Ids({5}));
    EXPECT_EQ(ids("text=sure"), Ids({3, 2}));
    EXPECT_EQ(ids("text=assistant"), Ids());              // roles are not content
    EXPECT_EQ(ids("text=prompt"), Ids());                 // nor are the JSON's keys
    EXPECT_EQ(ids("text=%27%20OR%201%3D1%20--"), Ids());  // bound, never SQL
    EXPECT_EQ(ids("text=sure&policy=spam"), Ids({3}));
}

TEST_F(DecisionsTest, FiltersByPolicyVersionVerdictAndTime) {
    EXPECT_EQ(ids("policy=spam"), Ids({5, 3, 1}));
    EXPECT_EQ(ids("policy=spam&violation=true"), Ids());
    EXPECT_EQ(ids("violation=true"), Ids({4, 2}));
    EXPECT_EQ(ids("policy=spam&version=1"), Ids({5, 3, 1}));
    EXPECT_EQ(ids("policy=spam&version=2"), Ids());

    const Reply one = get("/v1/decisions/3");
    ASSERT_EQ(one.status, 200) << one.text;
    const std::string at = one.body["created_at"];
    EXPECT_EQ(ids("since=" + at + "&text=sure"), Ids({3}));  // since includes its instant
    EXPECT_EQ(ids("until=" + at + "&text=sure"), Ids({2}));  // until excludes it
    const std::string day = at.substr(0, 10);
    EXPECT_EQ(ids("until=" + day).size(), kTexts.size());  // a date: to the end of that day
    EXPECT_EQ(ids("since=" + day + "&until=" + day).size(), kTexts.size());
    EXPECT_EQ(ids("until=2000-01-01"), Ids());
    EXPECT_EQ(ids("since=2999-01-01"), Ids());
}

TEST_F(DecisionsTest, RowsNameThePolicyVersionAndOneOpensByItsId) {
    const Reply r = get("/v1/decisions/4");
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["decision_id"], 4);
    EXPECT_EQ(r.body["policy_id"], "hate-speech");
    EXPECT_EQ(r.body["policy_version"], 1);
    EXPECT_EQ(r.body["content"], json::parse(kTexts[3]));
    EXPECT_EQ(r.body["verdict"]["violation"], true);
    EXPECT_EQ(r.body["reviews"], json::array());  // none given yet
    EXPECT_EQ(get("/v1/decisions?limit=1").body["decisions"][0]["policy_id"], "spam");

    EXPECT_EQ(get("/v1/decisions/999").status, 404);
    for (const std::string bad : {"abc", "0", "-1", "1.5", "99999999999999999999"}) {
        const Reply refused = get("/v1/decisions/" + bad);
        EXPECT_EQ(refused.status, 400) << bad << ": " << refused.text;
    }
}

TEST_F(DecisionsTest, PagesWithBefore) {
    const Reply first = get("/v1/decisions?limit=2");
    ASSERT_EQ(first.status, 200);
    EXPECT_EQ(first.body["decisions"].size(), 2u);
    ASSERT_EQ(first.body["next_before"], 4) << first.text;
    EXPECT_EQ(ids("limit=2&before=4"), Ids({3, 2}));
    const Reply last = get("/v1/decisions?limit=2&before=2");
    EXPECT_EQ(last.body["decisions"].size(), 1u);
    EXPECT_TRUE(last.body["next_before"].is_null()) << last.text;
    EXPECT_TRUE(get("/v1/decisions").body["next_before"].is_null());
}

TEST_F(DecisionsTest, BadParametersAre400s) {
    for (const std::string query :
         {"colour=red", "since=2026-13-01", "since=yesterday", "until=2026-02-30", "until=12:00", "limit=0",
          "limit=1001", "limit=ten", "version=0", "version=v2", "before=abc", "before=0", "violation=yes"}) {
        const Reply r = get("/v1/decisions?" + query);
        EXPECT_EQ(r.status, 400) << query << ": " << r.text;
        EXPECT_FALSE(error_message(r).empty()) << query;
    }
    EXPECT_NE(error_message(get("/v1/decisions?colour=red")).find("until, text, before"), std::string::npos);
}

TEST_F(DecisionsTest, OnlyReviewAndAdminKeysReadTheLog) {
    for (const std::string path : {"/v1/decisions", "/v1/decisions/1"}) {
        EXPECT_EQ(get(path, "").status, 401) << path;
        EXPECT_EQ(get(path, classify_).status, 403) << path;
        EXPECT_EQ(get(path, review_).status, 200) << path;
        EXPECT_EQ(get(path, admin_).status, 200) << path;
    }
}

}  // namespace
}  // namespace arbiter
