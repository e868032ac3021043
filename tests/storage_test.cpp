// The decision log as distillation reads it back: written by storage::DecisionLog exactly as
// `arbiter serve` writes it, read by DecisionLog::model_verdicts.

#include <gtest/gtest.h>

#include "core/content_layout.h"
#include "storage/sqlite_connection.h"
#include "support/decision_rows.h"
#include "support/scratch.h"

namespace arbiter::storage {
namespace {

Policy scam() {
    Policy p;
    p.id = "scam";
    p.text = "Flag scams.";
    return p;
}

TEST(DecisionLog, ModelVerdictsAreTheModelsUsableVerdictsOfThePolicy) {
    const std::string path = (test::scratch_dir() / "unit-log.db").string();
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

TEST(DecisionLog, MissingOrForeignDatabases) {
    EXPECT_THROW(DecisionLog::model_verdicts(test::scratch_dir() / "nope.db", scam()), SqliteError);
    const std::string junk = test::write_file("junk.db", "this is not sqlite");
    try {
        DecisionLog::model_verdicts(junk, scam());
        FAIL();
    } catch (const SqliteError& e) {
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
