// Erasure and retention on a log the service wrote: DELETE /v1/decisions by content hash, item id
// or request id takes the content (and the model's words) out of the log, the reviews, the
// labelled-set exports and stored runs, keeping hashes and verdicts; retention's background passes
// erase and delete per policy; the space freed goes back to the file system.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "storage/database.h"
#include "storage/decision_log.h"
#include "storage/run_store.h"
#include "support/in_process_server.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::post;
using test::Reply;
using test::send;

class Erasure : public ::testing::Test {
protected:
    explicit Erasure(service::ServiceConfig config = {}) : db_(test::fresh_db("erasure")) {
        const std::string keys = (test::scratch_dir() / "erasure-keys.txt").string();
        std::filesystem::remove(keys);
        app_ = test::new_api_key(keys, "app", "classify");
        rita_ = test::new_api_key(keys, "rita", "review");
        ops_ = test::new_api_key(keys, "ops", "admin");
        server_ =
            std::make_unique<test::InProcessServer>(db_, test::InProcessOptions{.config = std::move(config),
                                                                                .keys_file = keys,
                                                                                .engine = false,
                                                                                .streams = 0,
                                                                                .max_reasoning_tokens = 0});
    }
    const test::InProcessServer& service() const { return *server_; }

    // Classifies `text` as item `item` against `policies` in reason mode; returns the response.
    json classify(const std::string& item, const std::string& text, const json& policies = {"spam"}) {
        const Reply r = post(
            service(), "/v1/classify",
            {{"policies", policies}, {"mode", "reason"}, {"id", item}, {"content", {{"text", text}}}}, app_);
        EXPECT_EQ(r.status, 200) << r.text;
        return r.body;
    }
    json decisions(const std::string& query) {
        const Reply r = send(service(), "GET", "/v1/decisions?" + query, "", rita_);
        EXPECT_EQ(r.status, 200) << r.text;
        return r.body["decisions"];
    }
    json decision(int64_t id) {
        return send(service(), "GET", "/v1/decisions/" + std::to_string(id), "", rita_).body;
    }
    Reply erase(const std::string& query) {
        return send(service(), "DELETE", "/v1/decisions?" + query, "", ops_);
    }

    std::filesystem::path db_;
    std::string app_, rita_, ops_;
    std::unique_ptr<test::InProcessServer> server_;
};

TEST_F(Erasure, TakesTheContentOutOfTheLogReviewsAndExportsKeepingHashAndVerdict) {
    classify("alice-1", "alice's message, to be forgotten");
    classify("bob-1", "bob's message, kept");
    const json alice = decisions("text=alice")[0];
    const json bob = decisions("text=bob")[0];
    const int64_t alice_id = alice["decision_id"];
    ASSERT_FALSE(alice["verdict"]["rationale"].is_null());
    for (const int64_t id : {alice_id, bob["decision_id"].get<int64_t>()})
        ASSERT_EQ(post(service(), "/v1/reviews",
                       {{"decision_id", id}, {"violation", true}, {"note", "quotes it"}}, rita_)
                      .status,
                  201);

    const Reply erased = erase("item_id=alice-1&reason=GDPR%20art.%2017%20request%20%2342");
    ASSERT_EQ(erased.status, 200) << erased.text;
    EXPECT_EQ(erased.body["erased"], json({{"decisions", 1}, {"reviews", 1}, {"runs", 0}}));

    const json after = decision(alice_id);
    EXPECT_TRUE(after["content"].is_null());
    EXPECT_FALSE(after["erased_at"].is_null());
    EXPECT_EQ(after["content_sha256"], alice["content_sha256"]);
    EXPECT_EQ(after["verdict"]["violation"], alice["verdict"]["violation"]);
    EXPECT_EQ(after["verdict"]["probability"], alice["verdict"]["probability"]);
    EXPECT_TRUE(after["verdict"]["rationale"].is_null());
    EXPECT_TRUE(after["verdict"]["content_erased"].get<bool>());
    EXPECT_EQ(after["reviews"].size(), 1u);  // the label stays, its note and content go
    EXPECT_EQ(after["reviews"][0]["violation"], true);
    EXPECT_EQ(decisions("text=alice").size(), 0u);

    // Bob's are untouched; the labelled set and the export hold only bob's.
    EXPECT_EQ(decision(bob["decision_id"])["content"], bob["content"]);
    const Reply set = send(service(), "GET", "/v1/labelled-sets/spam", "", rita_);
    ASSERT_EQ(set.status, 200);
    EXPECT_EQ(set.text.find("alice"), std::string::npos);
    EXPECT_NE(set.text.find("bob"), std::string::npos);
    EXPECT_EQ(std::count(set.text.begin(), set.text.end(), '\n'), 1);
    const Reply reviews = send(service(), "GET", "/v1/reviews?policy=spam", "", rita_);
    EXPECT_EQ(reviews.text.find("alice"), std::string::npos);
    EXPECT_EQ(std::count(reviews.text.begin(), reviews.text.end(), '\n'), 1);

    // Asked again: nothing left to erase, and the request is on record both times.
    EXPECT_EQ(erase("item_id=alice-1").body["erased"]["decisions"], 0);
    const json audit = send(service(), "GET", "/v1/audit?action=decisions.erase", "", ops_).body["events"];
    ASSERT_EQ(audit.size(), 2u);
    EXPECT_EQ(audit[1]["detail"]["reason"], "GDPR art. 17 request #42");
    EXPECT_EQ(audit[1]["detail"]["erased"]["reviews"], 1);
    EXPECT_EQ(audit[1]["actor"], "ops");
}

TEST_F(Erasure, ByContentHashAndByRequestIdAcrossPolicies) {
    const json first = classify("a", "the same words", {"spam", "hate-speech"});
    classify("b", "the same words");
    const json other = classify("c", "other words", {"spam", "hate-speech"});
    const std::string hash = decisions("text=same")[0]["content_sha256"];

    EXPECT_EQ(erase("content_sha256=" + hash).body["erased"]["decisions"], 3);  // every copy, every policy
    EXPECT_EQ(decisions("text=same").size(), 0u);
    const Reply by_request = erase("request_id=" + other["request_id"].get<std::string>());
    EXPECT_EQ(by_request.body["erased"]["decisions"], 2);
    EXPECT_EQ(decisions("text=words").size(), 0u);
    EXPECT_EQ(decisions("policy=spam").size(), 3u);  // the rows stay
    (void)first;

    // Asked again, the log still names every row (for their reviews and runs), erased before.
    storage::DecisionLog log(db_.string(), true);
    const storage::ErasedDecisions again = log.erase(storage::ErasureKey::content_sha256, hash);
    EXPECT_EQ(again.ids.size(), 3u);
    EXPECT_EQ(again.hashes, std::vector<std::string>{hash});
    EXPECT_EQ(again.newly_erased, 0u);
}

TEST_F(Erasure, RefusesWhatItCannotReadAndCallersWhoAreNotAdmins) {
    EXPECT_EQ(erase("").status, 400);
    EXPECT_EQ(erase("item_id=a&request_id=b").status, 400);
    EXPECT_EQ(erase("content_sha256=ABC").status, 400);
    EXPECT_EQ(erase("content_sha256=" + std::string(64, 'G')).status, 400);
    EXPECT_EQ(erase("item_id=").status, 400);
    EXPECT_EQ(erase("item_id=" + std::string(257, 'x')).status, 400);
    EXPECT_EQ(erase("item_id=a&reason=" + std::string(1001, 'r')).status, 400);
    EXPECT_EQ(erase("user=alice").status, 400);
    EXPECT_EQ(send(service(), "DELETE", "/v1/decisions?item_id=a", "", rita_).status, 403);
    EXPECT_EQ(send(service(), "GET", "/v1/audit", "", ops_).body["events"].size(), 0u);
}

// A stored run's items name the decisions or reviews they came from; erasure nulls their content.
TEST(ErasureOfRuns, NullsTheContentOfTheNamedItemsOnly) {
    storage::RunStore runs(test::fresh_db("erasure-runs").string());
    storage::Run run;
    run.id = "r1";
    run.created_by = "rita";
    run.policy_id = "spam";
    run.spec = {{"items", {{"labelled_set", true}}}};
    runs.add(run);
    std::optional<storage::Run> claimed = runs.claim("here", std::chrono::seconds(60));
    ASSERT_TRUE(claimed);
    claimed->status = "done";
    claimed->results = {{"comparison",
                         {{"flips",
                           {{{"id", "decision-1"}, {"content", "forget me"}},
                            {{"id", "decision-2"}, {"content", "keep me"}},
                            {{"id", "review-7"}, {"content", "forget me too"}}}}}}};
    ASSERT_TRUE(runs.finish(*claimed, "here"));

    EXPECT_EQ(runs.erase_items({"decision-1", "review-7"}), 1u);
    const json flips = runs.get("r1")->results["comparison"]["flips"];
    EXPECT_TRUE(flips[0]["content"].is_null());
    EXPECT_EQ(flips[1]["content"], "keep me");
    EXPECT_TRUE(flips[2]["content"].is_null());
    EXPECT_EQ(runs.erase_items({"decision-1"}), 0u);  // nothing left to change
}

service::ServiceConfig retention_config() {
    service::ServiceConfig config;
    config.retention.interval = std::chrono::seconds(1);
    // A second or so: long enough to read the rows back before a pass takes them.
    config.retention.policies["spam"] = {.content_days = 2.0 / 86400, .delete_days = 0};
    config.retention.policies["hate-speech"] = {.content_days = 0, .delete_days = 2.0 / 86400};
    return config;  // self-harm: the default, kept for ever
}

class Retention : public Erasure {
protected:
    Retention() : Erasure(retention_config()) {}
};

TEST_F(Retention, PassesEraseAndDeleteEachPolicysRowsInTheBackground) {
    classify("x", "a message about a sale", {"spam", "hate-speech", "self-harm"});
    ASSERT_EQ(decisions("text=sale").size(), 3u);
    json spam;
    for (int i = 0; i < 100; ++i) {  // ten seconds at most
        spam = decisions("policy=spam");
        if (!spam.empty() && spam[0]["content"].is_null() && decisions("policy=hate-speech").empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(spam.size(), 1u);
    EXPECT_TRUE(spam[0]["content"].is_null());
    EXPECT_TRUE(spam[0]["verdict"]["rationale"].is_null());
    EXPECT_FALSE(spam[0]["verdict"]["violation"].is_null());
    EXPECT_EQ(decisions("policy=hate-speech").size(), 0u);
    const json kept = decisions("policy=self-harm");
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_FALSE(kept[0]["content"].is_null());

    const json passes = send(service(), "GET", "/v1/audit?action=retention.pass", "", ops_).body["events"];
    ASSERT_GE(passes.size(), 1u);
    int64_t erased = 0, deleted = 0;
    for (const json& p : passes) {
        EXPECT_EQ(p["actor"], "retention");
        erased += p["detail"]["content_erased"].get<int64_t>();
        deleted += p["detail"]["deleted"].get<int64_t>();
    }
    EXPECT_EQ(erased, 1);
    EXPECT_EQ(deleted, 1);
}

// SQLite: the pages erasure and deletion free leave the file (auto_vacuum=INCREMENTAL) rather than
// wait in it. Content larger than a page lies in overflow pages, freed whole when it is erased;
// rows deleted free their pages whole too.
TEST(ErasureOnSqlite, GivesTheFreedPagesBackToTheFileSystem) {
    const std::string path = (test::scratch_dir() / "erasure-pages.db").string();
    std::filesystem::remove(path);
    storage::DecisionLog log(path, true);
    const auto write = [&log](size_t content_bytes) {
        for (int batch = 0; batch < 10; ++batch) {
            std::vector<storage::Decision> rows;
            for (int i = 0; i < 100; ++i) {
                storage::Decision d;
                d.request_id = "r" + std::to_string(batch);
                d.content_json = json{{"text", std::string(content_bytes, 'x') + std::to_string(i)}}.dump();
                d.content_sha256 = std::string(64, 'a');
                d.mode = "score";
                d.verdict.policy_id = "spam";
                d.verdict_json = json::object();
                rows.push_back(d);
            }
            log.record(rows);
        }
    };
    storage::Database db(path);
    const auto pages = [&db] {
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        storage::Statement count = db.prepare("PRAGMA page_count");
        count.step();
        return count.integer(0);
    };
    const std::string tomorrow =
        storage::utc_timestamp(std::chrono::system_clock::now() + std::chrono::hours(24));

    write(8000);
    const int64_t written = pages();
    size_t erased = 0;
    for (size_t n = 1; n > 0;) {
        n = log.erase_before(tomorrow, {}, 300).ids.size();
        erased += n;
    }
    EXPECT_EQ(erased, 1000u);
    log.reclaim_space();
    const int64_t after_erasure = pages();
    // Each row keeps its page in the table (its content began there); its overflow pages go.
    EXPECT_LT(after_erasure, written * 6 / 10) << written << " pages before, " << after_erasure << " after";

    write(500);
    const int64_t rewritten = pages();
    for (size_t n = 1; n > 0;) n = log.delete_before(tomorrow, {}, 300);
    log.reclaim_space();
    EXPECT_LT(pages(), rewritten / 4) << rewritten << " pages before deleting";
}

}  // namespace
}  // namespace arbiter
