// The decision log, reviews and the review queue, on both engines (support/both_engines.h):
// written exactly as `arbiter serve` writes them, read back as the console, the queue and
// distillation (DecisionLog::model_verdicts) read them.

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "core/content_layout.h"
#include "core/sha256.h"
#include "core/verdict_json.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "support/both_engines.h"
#include "support/decision_rows.h"

namespace arbiter::storage {
namespace {

Policy scam() {
    Policy p;
    p.id = "scam";
    p.text = "Flag scams.";
    return p;
}

class Logs : public test::OnBothEngines {};

TEST_P(Logs, ModelVerdictsAreTheModelsUsableVerdictsOfThePolicy) {
    const std::string path = fresh("model-verdicts");
    test::write_decisions(
        path,
        {{"scam", R"({"text": "claim your prize"})", 1},
         {"scam", R"({"prompt": "q", "response": "lunch at noon"})", 0},
         {"scam",
          R"({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "wire money"}]})",
          1},
         {"scam", R"({"text": "errored"})", -1, VerdictStatus::error},
         {"scam", "", 1},  // content not stored
         {"spam", R"({"text": "other policy"})", 1},
         {"scam", R"({"bogus": 1})", 0},  // not content: skipped, counted
         // Verdicts of the cascade's cheap tiers are not the model's: the fast tier would learn its
         // own guesses back.
         {"scam", R"({"text": "fast"})", 0, VerdictStatus::ok, Tier::fast},
         {"scam", R"({"text": "rules"})", 1, VerdictStatus::ok, Tier::rules},
         {"scam", R"({"text": "model tier"})", 1, VerdictStatus::ok, Tier::model},
         // An inline policy may take a stored one's id and version: never distilled as it.
         {"scam", R"({"text": "inline"})", 1, VerdictStatus::ok, Tier::model, true, "Flag scams."},
         // Another text under the same id (an edited policy): not this policy's verdicts.
         {"scam", R"({"text": "other text"})", 1, VerdictStatus::ok, Tier::model, false,
          "Always answer 0."}});
    const ModelVerdicts d = DecisionLog::model_verdicts(path, scam());
    ASSERT_EQ(d.verdicts.size(), 4u);
    EXPECT_EQ(user_message(d.verdicts[0].content), "claim your prize");
    EXPECT_TRUE(d.verdicts[0].violation);
    EXPECT_EQ(d.verdicts[1].content.kind, ContentKind::completion);
    EXPECT_FALSE(d.verdicts[1].violation);
    EXPECT_EQ(d.verdicts[2].content.kind, ContentKind::conversation);
    EXPECT_EQ(user_message(d.verdicts[3].content), "model tier");
    EXPECT_EQ(d.skipped, 1u);
}

TEST_P(Logs, ADatabaseWithoutALogIsNotReadAsOne) {
    const std::string empty = fresh("no-log");
    storage::Database(empty).exec("CREATE TABLE decisions (id INTEGER)");
    try {
        DecisionLog::model_verdicts(empty, scam());
        FAIL();
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("not an arbiter decision log"), std::string::npos) << e.what();
    }
}

Decision decision(const std::string& request, const std::string& content_json, bool violation,
                  double probability, bool shadow = false, int version = 1) {
    Verdict v;
    v.policy_id = "scam";
    v.policy_version = version;
    v.status = VerdictStatus::ok;
    v.violation = violation;
    v.probability = probability;
    return {request,
            "item",
            content_json,
            sha256_hex(content_json),
            "score",
            false,
            sha256_hex("Flag scams."),
            v,
            verdict_to_json("item", v),
            true,
            shadow};
}

// Requests recording at once share commits (group commit): every one returns only when its rows
// are in, none is lost or written twice, and each request's rows stay together.
TEST_P(Logs, RequestsRecordingAtOnceAreEachCommittedWhole) {
    const std::string location = fresh("group-commit");
    DecisionLog log(location, true);
    constexpr int kThreads = 8;
    constexpr int kRequests = 25;
    {
        std::vector<std::jthread> callers;
        callers.reserve(kThreads);
        for (int t = 0; t < kThreads; ++t) {
            callers.emplace_back([&, t] {
                for (int r = 0; r < kRequests; ++r) {
                    const std::string id = std::to_string(t * 1000 + r);
                    log.record({decision(id, R"({"text": "a"})", true, 0.9),
                                decision(id, R"({"text": "b"})", false, 0.1)});
                    // Acknowledged: another connection sees both rows now.
                    Database reader(location);
                    Statement rows = reader.prepare("SELECT count(*) FROM decisions WHERE request_id = ?1");
                    rows.bind(1, std::string_view(id));
                    ASSERT_TRUE(rows.step());
                    EXPECT_EQ(rows.integer(0), 2) << id;
                }
            });
        }
    }
    Database db(location);
    Statement all = db.prepare("SELECT count(*), count(DISTINCT request_id) FROM decisions");
    ASSERT_TRUE(all.step());
    EXPECT_EQ(all.integer(0), 2 * kThreads * kRequests);
    EXPECT_EQ(all.integer(1), kThreads * kRequests);
}

// A request of more rows than one INSERT takes (kRowsPerInsert) is still one transaction, in order.
TEST_P(Logs, ARequestOfMoreRowsThanOneStatementTakesIsWrittenWholeAndInOrder) {
    DecisionLog log(fresh("many-rows"), true);
    std::vector<Decision> many;
    for (int i = 0; i < 600; ++i) {
        many.push_back(decision("big", R"({"text": "x"})", i % 2 == 0, 0.5));
        many.back().item_id = "item-" + std::to_string(i);
    }
    log.record(many);
    DecisionQuery all;
    all.limit = 1000;
    const std::vector<nlohmann::ordered_json> rows = log.query(all);
    ASSERT_EQ(rows.size(), 600u);
    EXPECT_EQ(rows.front()["item_id"], "item-599");  // newest first: the ids follow the rows' order
    EXPECT_EQ(rows.back()["item_id"], "item-0");
}

// What the Decisions screen asks for: filters, a search of the content's strings, pages by id.
TEST_P(Logs, QueriesFilterSearchAndPage) {
    DecisionLog log(fresh("queries"), true);
    log.record({decision("r1", R"({"text": "Claim your PRIZE now"})", true, 0.9)});
    log.record({decision("r2", R"({"prompt": "is 100% sure?", "response": "yes"})", false, 0.2)});
    log.record({decision("r3", R"({"messages": [{"role": "user", "content": "hello"}]})", false, 0.1)});
    log.record({decision("r4", R"({"text": "prize draw"})", true, 0.8, /*shadow=*/true)});

    const auto ids = [&](const std::function<void(DecisionQuery&)>& set) {
        DecisionQuery q;
        set(q);
        std::vector<std::string> requests;
        for (const auto& row : log.query(q)) requests.push_back(row["request_id"]);
        return requests;
    };
    using Requests = std::vector<std::string>;
    EXPECT_EQ(ids([](auto&) {}), (Requests{"r3", "r2", "r1"}));  // newest first, never a shadow verdict
    EXPECT_EQ(ids([](auto& q) { q.violation = true; }), Requests{"r1"});
    EXPECT_EQ(ids([](auto& q) { q.text = "prize"; }), Requests{"r1"});  // the case of letters aside
    EXPECT_EQ(ids([](auto& q) { q.text = "0%"; }), Requests{"r2"});     // % is a character, not a wildcard
    EXPECT_EQ(ids([](auto& q) { q.text = "1_0"; }), Requests{});
    EXPECT_EQ(ids([](auto& q) { q.text = "user"; }), Requests{});  // a role is not content
    EXPECT_EQ(ids([](auto& q) { q.text = "text"; }), Requests{});  // nor a key of the JSON
    EXPECT_EQ(ids([](auto& q) { q.text = "hello"; }), Requests{"r3"});
    EXPECT_EQ(ids([](auto& q) {
                  q.since = "2000-01-01T00:00:00.000Z";
                  q.until = "2100-01-01T00:00:00.000Z";
              }).size(),
              3u);
    EXPECT_EQ(ids([](auto& q) { q.since = "2100-01-01T00:00:00.000Z"; }), Requests{});

    DecisionQuery two;
    two.limit = 2;
    const std::vector<nlohmann::ordered_json> first = log.query(two);
    ASSERT_EQ(first.size(), 2u);
    const int64_t last = first.back()["decision_id"];
    EXPECT_EQ(ids([&](auto& q) { q.before = last; }), Requests{"r1"});

    const std::optional<nlohmann::ordered_json> row = log.row(last);
    ASSERT_TRUE(row);
    EXPECT_EQ((*row)["request_id"], "r2");
    EXPECT_EQ((*row)["content"]["prompt"], "is 100% sure?");
    EXPECT_EQ((*row)["verdict"]["violation"], false);
    EXPECT_FALSE(log.row(last + 1000));
}

// A shadow version's verdicts against the live ones of the same request and item.
TEST_P(Logs, ShadowVerdictsArePairedWithTheLiveOnes) {
    DecisionLog log(fresh("shadows"), true);
    log.record({decision("a", R"({"text": "a"})", true, 0.9),
                decision("a", R"({"text": "a"})", true, 0.9, true, 2)});
    log.record({decision("b", R"({"text": "b"})", false, 0.1),
                decision("b", R"({"text": "b"})", true, 0.7, true, 2)});
    log.record({decision("c", R"({"text": "c"})", false, 0.1)});  // no shadow verdict
    const ShadowComparison c = log.compare_shadow("scam", 2, "2000-01-01T00:00:00.000Z", 10);
    EXPECT_EQ(c.pairs, 2u);
    EXPECT_EQ(c.agree, 1u);
    ASSERT_EQ(c.differing.size(), 1u);
    EXPECT_EQ(c.differing[0]["live"]["request_id"], "b");
    EXPECT_EQ(c.differing[0]["shadow"]["shadow"], true);
    EXPECT_EQ(log.compare_shadow("scam", 3, "2000-01-01T00:00:00.000Z", 10).pairs, 0u);
}

ARBITER_ON_BOTH_ENGINES(Logs);

// Files only: a path that names nothing, or a file that is not SQLite's.
TEST(DecisionLog, MissingOrForeignFiles) {
    EXPECT_THROW(DecisionLog::model_verdicts((test::scratch_dir() / "nope.db").string(), scam()), StoreError);
    const std::string junk = test::write_file("junk.db", "this is not sqlite");
    try {
        DecisionLog::model_verdicts(junk, scam());
        FAIL();
    } catch (const StoreError& e) {
        EXPECT_NE(std::string(e.what()).find("not an arbiter decision log"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace arbiter::storage

namespace arbiter::storage {
namespace {

TEST(DecisionLog, TimestampsInTheFormTheLogStores) {
    EXPECT_EQ(canonical_utc_timestamp("2026-11-27"), "2026-11-27T00:00:00.000Z");
    EXPECT_EQ(canonical_utc_timestamp("2026-11-27T20:50:00Z"), "2026-11-27T20:50:00.000Z");
    EXPECT_EQ(canonical_utc_timestamp("2026-11-27T20:50:00.1"), "2026-11-27T20:50:00.100Z");
    EXPECT_EQ(canonical_utc_timestamp("2024-02-29T23:59:59.999Z"), "2024-02-29T23:59:59.999Z");
    // As text, the canonical form orders like the times it stands for.
    EXPECT_LT(*canonical_utc_timestamp("2026-11-27T20:50:00Z"), "2026-11-27T20:50:00.123Z");
    for (const char* bad :
         {"2026-13-01", "2026-02-29", "2026-04-31", "2026-11-27T24:00:00", "2026-11-27T20:60:00",
          "2026-11-27 20:50:00", "2026-11-27T20:50:00+01:00", "", "now"})
        EXPECT_FALSE(canonical_utc_timestamp(bad)) << bad;
}

}  // namespace
}  // namespace arbiter::storage
