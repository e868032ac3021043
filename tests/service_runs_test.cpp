// Runs, promotion and shadow mode over real HTTP on the tiny model. A run's figures are checked
// against verdicts the test gets itself from /v1/classify (the same versions, an inline draft),
// not against fixed numbers: which items flip, the confusion matrix against the labels given.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/review_server.h"
#include "support/scratch.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::post;
using test::Reply;
using test::send;

// A draft different enough from spam v1 to move the tiny model's probabilities.
json draft_policy() {
    return {{"title", "Spam (draft)"},
            {"text",
             "# Spam\n\nViolates (1): anything that sells, advertises or promises money or prizes.\n"
             "Safe (0): greetings, small talk, the weather.\n\nAnswer 1 or 0.\n"}};
}

class RunsTest : public ::testing::Test {
protected:
    RunsTest() : s_("runs"), app_(s_.app), rita_(s_.rita), sam_(s_.sam), ops_(s_.ops) {}
    const test::InProcessServer& service() const { return s_.service(); }

    // The verdict of `policy` (an id or an inline policy) on `text`, in score mode.
    json verdict(const json& policy, const std::string& text) {
        const Reply r =
            post(service(), "/v1/classify",
                 {{"policies", {policy}}, {"mode", "score"}, {"content", {{"text", text}}}}, app_);
        EXPECT_EQ(r.status, 200) << r.text;
        return r.body["verdicts"][0];
    }
    // Logs every text against spam and reviews decision i with labels[i]; returns the live verdicts.
    std::vector<bool> log_and_label(const std::vector<bool>& labels) {
        std::vector<bool> live;
        for (const char* text : test::kReviewTexts)
            live.push_back(verdict("spam", text)["violation"].get<bool>());
        for (size_t i = 0; i < labels.size(); ++i) {
            const Reply r =
                post(service(), "/v1/reviews",
                     {{"decision_id", static_cast<int64_t>(i) + 1}, {"violation", labels[i]}}, rita_);
            EXPECT_EQ(r.status, 201) << r.text;
        }
        return live;
    }
    json wait_for_run(const std::string& id,
                      const std::set<std::string>& until = {"done", "failed", "cancelled"}) {
        json run;
        for (int i = 0; i < 600; ++i) {
            const Reply r = send(service(), "GET", "/v1/runs/" + id, "", rita_);
            EXPECT_EQ(r.status, 200) << r.text;
            run = r.body;
            if (until.count(run["status"].get<std::string>())) return run;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ADD_FAILURE() << "run " << id << " is still " << run["status"];
        return run;
    }
    std::string start(const json& body, const std::string& key) {
        const Reply r = post(service(), "/v1/runs", body, key);
        EXPECT_EQ(r.status, 202) << r.text;
        EXPECT_EQ(r.body["status"], "queued");
        return r.body.value("id", "");
    }

    test::ReviewServer s_;
    const std::string &app_, &rita_, &sam_, &ops_;
};

TEST_F(RunsTest, ADraftRunOverTheLabelledSetFlipsExactlyWhatClassifySays) {
    const std::vector<bool> labels = {true, false, true, false, true, false};
    const std::vector<bool> live = log_and_label(labels);
    const json draft = draft_policy();
    std::set<std::string> flips;
    int64_t tp = 0, fp = 0, tn = 0, fn = 0;
    json inline_draft = draft;
    inline_draft["id"] = "spam";
    for (size_t i = 0; i < test::kReviewTextCount; ++i) {
        const bool v = verdict(inline_draft, test::kReviewTexts[i])["violation"].get<bool>();
        if (v != live[i]) flips.insert("decision-" + std::to_string(i + 1));
        (labels[i] ? (v ? tp : fn) : (v ? fp : tn))++;
    }

    const std::string id =
        start({{"policy", "spam"}, {"candidate", {{"draft", draft}}}, {"mode", "score"}}, rita_);
    const json run = wait_for_run(id);
    ASSERT_EQ(run["status"], "done") << run.dump();
    EXPECT_EQ(run["created_by"], "rita");
    EXPECT_EQ(run["progress"]["done"], 2 * test::kReviewTextCount);
    EXPECT_EQ(run["progress"]["total"], 2 * test::kReviewTextCount);
    EXPECT_EQ(run["candidate"], json({{"draft", true}, {"version", 2}}));
    EXPECT_EQ(run["baseline"], json({{"version", 1}}));
    const json& results = run["results"];
    EXPECT_EQ(results["candidate"]["confusion"], json({{"tp", tp}, {"fp", fp}, {"tn", tn}, {"fn", fn}}));
    EXPECT_EQ(results["candidate"]["evaluated"], test::kReviewTextCount);
    EXPECT_TRUE(results["candidate"]["precision"].contains("ci95"));
    ASSERT_TRUE(results["candidate"]["curves"].is_object());
    EXPECT_EQ(results["candidate"]["curves"]["roc"].front(), json::array({0.0, 0.0}));
    EXPECT_EQ(results["candidate"]["curves"]["roc"].back(), json::array({1.0, 1.0}));
    std::set<std::string> run_flips;
    for (const json& f : results["comparison"]["flips"]) {
        run_flips.insert(f["id"].get<std::string>());
        EXPECT_TRUE(f["before"].contains("rationale"));
        EXPECT_TRUE(f["after"].contains("rationale"));
        EXPECT_FALSE(f["content"].get<std::string>().empty());
    }
    EXPECT_EQ(run_flips, flips);
    EXPECT_EQ(results["comparison"]["policies"][0]["flipped"], flips.size());

    // The list shows it without results; a review key may not promote, an admin may.
    const Reply list = send(service(), "GET", "/v1/runs?policy=spam", "", rita_);
    ASSERT_EQ(list.status, 200) << list.text;
    ASSERT_EQ(list.body["runs"].size(), 1u);
    EXPECT_FALSE(list.body["runs"][0].contains("results"));
    EXPECT_EQ(post(service(), "/v1/policies/spam/promote", {{"run", id}}, rita_).status, 403);
    const Reply promoted = post(service(), "/v1/policies/spam/promote", {{"run", id}}, ops_);
    ASSERT_EQ(promoted.status, 200) << promoted.text;
    EXPECT_EQ(promoted.body["version"], 2);
    const Reply current = send(service(), "GET", "/v1/policies/spam", "", app_);
    EXPECT_EQ(current.body["version"], 2);
    EXPECT_EQ(current.body["text"], draft["text"]);
    EXPECT_EQ(current.body["title"], draft["title"]);
    // A stored version can be restored as the next one.
    const Reply restored = post(service(), "/v1/policies/spam/promote", {{"version", 1}}, ops_);
    ASSERT_EQ(restored.status, 200) << restored.text;
    EXPECT_EQ(restored.body["version"], 3);
    EXPECT_EQ(restored.body["promoted_from"], 1);
}

TEST_F(RunsTest, AReplayComparesWithTheLoggedVerdictsAndRunsCanBeCancelled) {
    log_and_label({true, false});
    const std::string replay =
        start({{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", 4}}}}, rita_);
    const json run = wait_for_run(replay);
    ASSERT_EQ(run["status"], "done") << run.dump();
    EXPECT_EQ(run["progress"]["total"], 4);  // the candidate only: the baseline is what was logged
    EXPECT_EQ(run["baseline"], json({{"logged", true}}));
    // The same version replayed gives the verdicts logged then (score mode is deterministic).
    EXPECT_EQ(run["results"]["comparison"]["policies"][0]["compared"], 4);
    EXPECT_EQ(run["results"]["comparison"]["policies"][0]["flipped"], 0);
    // Gold labels where reviews exist: the last four decisions are 3-6, none reviewed.
    EXPECT_EQ(run["results"]["candidate"]["unknown_gold"], 4);

    // A long reason-mode run, and one queued behind it: both cancelled.
    const json reason = {
        {"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", 6}}}, {"mode", "reason"}};
    const std::string first = start(reason, rita_);
    const std::string second = start(reason, rita_);
    wait_for_run(first, {"running", "done"});
    const Reply queued = post(service(), "/v1/runs/" + second + "/cancel", json::object(), rita_);
    ASSERT_EQ(queued.status, 200) << queued.text;
    EXPECT_EQ(wait_for_run(second)["status"], "cancelled");
    const Reply running = post(service(), "/v1/runs/" + first + "/cancel", json::object(), rita_);
    if (running.status == 200) {
        EXPECT_EQ(wait_for_run(first)["status"], "cancelled");
    } else {
        EXPECT_EQ(running.status, 409);  // it had already finished
    }
    EXPECT_EQ(post(service(), "/v1/runs/" + second + "/cancel", json::object(), rita_).status, 409);
    EXPECT_EQ(post(service(), "/v1/runs/run_nope/cancel", json::object(), rita_).status, 404);
}

TEST_F(RunsTest, BadRunsAndPromotionsAreRefused) {
    for (const json& bad :
         {json{{"candidate", {{"version", 1}}}}, json{{"policy", "spam"}},
          json{{"policy", "spam"}, {"candidate", {{"version", 0}}}},
          json{{"policy", "spam"}, {"candidate", {{"version", 1}, {"draft", draft_policy()}}}},
          json{{"policy", "spam"}, {"candidate", {{"draft", "text"}}}},
          json{{"policy", "spam"}, {"candidate", {{"draft", {{"text", ""}}}}}},
          json{{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"mode", "fast"}},
          json{{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", 0}}}},
          json{{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", 1001}}}},
          json{{"policy", "spam"},
               {"candidate", {{"version", 1}}},
               {"items", {{"replay", 5}}},
               {"baseline", {{"version", 1}}}},
          json{{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"colour", "red"}}}) {
        const Reply r = post(service(), "/v1/runs", bad, rita_);
        EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.text;
    }
    EXPECT_EQ(
        post(service(), "/v1/runs", {{"policy", "nope"}, {"candidate", {{"version", 1}}}}, rita_).status,
        404);
    EXPECT_EQ(
        post(service(), "/v1/runs", {{"policy", "spam"}, {"candidate", {{"version", 9}}}}, rita_).status,
        404);
    EXPECT_EQ(post(service(), "/v1/runs", {{"policy", "spam"}, {"candidate", {{"version", 1}}}}, app_).status,
              403);
    // An empty labelled set: the run fails and says what to do.
    const json run = wait_for_run(start({{"policy", "spam"}, {"candidate", {{"version", 1}}}}, rita_));
    EXPECT_EQ(run["status"], "failed");
    EXPECT_NE(run["error"].get<std::string>().find("review some of its decisions first"), std::string::npos);
    EXPECT_EQ(post(service(), "/v1/policies/spam/promote", {{"run", run["id"]}}, ops_).status, 409);
    EXPECT_EQ(post(service(), "/v1/policies/spam/promote", {{"version", 1}}, ops_).status,
              409);  // already live
    EXPECT_EQ(post(service(), "/v1/policies/spam/promote", json::object(), ops_).status, 400);
    EXPECT_EQ(send(service(), "GET", "/v1/runs/run_nope", "", rita_).status, 404);
}

TEST_F(RunsTest, AShadowJudgesLiveTrafficUnseenAndReportsAgreement) {
    json v2 = draft_policy();
    ASSERT_EQ(send(service(), "PUT", "/v1/policies/spam", v2.dump(), ops_).status, 200);
    EXPECT_EQ(send(service(), "PUT", "/v1/policies/spam/shadow", json{{"version", 1}}.dump(), rita_).status,
              403);
    EXPECT_EQ(send(service(), "PUT", "/v1/policies/spam/shadow", json{{"version", 2}}.dump(), ops_).status,
              400);
    EXPECT_EQ(send(service(), "PUT", "/v1/policies/spam/shadow", json{{"version", 7}}.dump(), ops_).status,
              404);
    EXPECT_EQ(send(service(), "PUT", "/v1/policies/spam/shadow", json{{"v", 1}}.dump(), ops_).status, 400);
    const Reply set = send(service(), "PUT", "/v1/policies/spam/shadow", json{{"version", 1}}.dump(), ops_);
    ASSERT_EQ(set.status, 200) << set.text;

    // The caller sees only the live version's verdict; the shadow's is what v1 says inline.
    const Reply v1 = send(service(), "GET", "/v1/policies/spam?version=1", "", app_);
    json v1_inline = v1.body;
    v1_inline.erase("created_at");
    v1_inline.erase("deleted");
    size_t agree = 0;
    for (const char* text : test::kReviewTexts) {
        const Reply r =
            post(service(), "/v1/classify",
                 {{"policies", {"spam"}}, {"mode", "score"}, {"content", {{"text", text}}}}, app_);
        ASSERT_EQ(r.status, 200) << r.text;
        ASSERT_EQ(r.body["verdicts"].size(), 1u);
        EXPECT_EQ(r.body["verdicts"][0]["policy_version"], 2);
        agree += r.body["verdicts"][0]["violation"] == verdict(v1_inline, text)["violation"] ? 1 : 0;
    }
    json shadow;
    for (int i = 0; i < 100; ++i) {
        shadow = send(service(), "GET", "/v1/policies/spam/shadow", "", rita_).body;
        if (shadow["pairs"] == test::kReviewTextCount) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(shadow["pairs"], test::kReviewTextCount) << shadow.dump();
    EXPECT_EQ(shadow["shadow"]["version"], 1);
    EXPECT_EQ(shadow["shadow"]["set_by"], "ops");
    EXPECT_DOUBLE_EQ(shadow["agreement"].get<double>(),
                     static_cast<double>(agree) / static_cast<double>(test::kReviewTextCount));
    EXPECT_EQ(shadow["differing"].size(), test::kReviewTextCount - agree);
    // The audit trail lists the live verdicts only (and the test's own inline ones).
    const Reply decisions = send(service(), "GET", "/v1/decisions?policy=spam", "", rita_);
    size_t stored = 0;
    for (const json& d : decisions.body["decisions"]) {
        EXPECT_FALSE(d["shadow"].get<bool>());
        if (d["policy_source"] != "stored") continue;
        EXPECT_EQ(d["policy_version"], 2);
        ++stored;
    }
    EXPECT_EQ(stored, test::kReviewTextCount);

    EXPECT_EQ(send(service(), "DELETE", "/v1/policies/spam/shadow", "", ops_).status, 204);
    EXPECT_EQ(send(service(), "DELETE", "/v1/policies/spam/shadow", "", ops_).status, 404);
    EXPECT_TRUE(send(service(), "GET", "/v1/policies/spam/shadow", "", rita_).body["shadow"].is_null());
}

}  // namespace
}  // namespace arbiter
