// The decision log as distillation reads it back: written by storage::DecisionLog exactly as
// `arbiter serve` writes it, read by DecisionLog::model_verdicts.

#include <gtest/gtest.h>

#include "core/content_layout.h"
#include "support/decision_rows.h"
#include "support/scratch.h"

namespace arbiter::storage {
namespace {

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
         {"scam", R"({"text": "model tier"})", 1, VerdictStatus::ok, Tier::model}});
    const ModelVerdicts d = DecisionLog::model_verdicts(path, "scam");
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
    EXPECT_THROW(DecisionLog::model_verdicts(test::scratch_dir() / "nope.db", "scam"), SqliteError);
    const std::string junk = test::write_file("junk.db", "this is not sqlite");
    try {
        DecisionLog::model_verdicts(junk, "scam");
        FAIL();
    } catch (const SqliteError& e) {
        EXPECT_NE(std::string(e.what()).find("not an arbiter decision log"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace arbiter::storage
