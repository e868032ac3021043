// `arbiter eval --reviewed DB` on both engines: the policies measured on the items people reviewed
// in the console, each on its own labels, with the labelled set's majority as the gold label.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/sha256.h"
#include "storage/review_log.h"
#include "support/both_engines.h"
#include "support/scratch.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;

class EvalReviewed : public test::OnBothEngines {
protected:
    static void review(storage::ReviewLog& log, const std::string& policy, const std::string& text,
                       bool violation, const std::string& reviewer) {
        storage::Review r;
        r.policy_id = policy;
        r.policy_version = 1;
        r.content_json = json{{"text", text}}.dump();
        r.content_sha256 = sha256_hex(text);
        r.violation = violation;
        r.reviewer = reviewer;
        r.source = "console";
        log.add(r);
    }
    static test::CommandResult eval(const std::string& db, const std::filesystem::path& out) {
        return test::run_command(test::built_binary("arbiter") + " eval --model " +
                                 test::tiny_model().string() +
                                 " --threads 2 --policy " ARBITER_SOURCE_DIR
                                 "/examples/policies/spam.md --policy " ARBITER_SOURCE_DIR
                                 "/examples/policies/hate-speech.md --reviewed '" +
                                 db + "' --mode score --out " + out.string());
    }
};

TEST_P(EvalReviewed, MeasuresEachPolicyOnItsOwnReviewedLabels) {
    const std::string db = fresh("eval-reviewed");
    {
        storage::ReviewLog log(db);
        review(log, "spam", "Buy followers now", true, "rita");
        review(log, "spam", "Buy followers now", true, "sam");
        review(log, "spam", "See you at lunch", false, "rita");
        review(log, "spam", "Cheap watches here", false, "rita");  // outvoted below
        review(log, "spam", "Cheap watches here", true, "sam");
        review(log, "spam", "Cheap watches here", true, "ops");
        review(log, "hate-speech", "See you at lunch", false, "rita");
        review(log, "hate-speech", "You people are vermin", true, "rita");
    }
    const std::filesystem::path out =
        test::scratch_dir() / ("eval-reviewed-" + std::to_string(GetParam() == storage::Engine::postgres));
    std::filesystem::remove_all(out);
    const test::CommandResult r = eval(db, out);
    ASSERT_EQ(r.exit_code, 0) << r.output;

    std::map<std::string, json> gold;  // "content|policy" -> gold
    std::ifstream predictions(out / "predictions.jsonl");
    for (std::string line; std::getline(predictions, line);) {
        const json p = json::parse(line);
        gold[p["content"].get<std::string>() + "|" + p["policy"].get<std::string>()] = p["gold"];
    }
    EXPECT_EQ(gold.size(), 8u);  // four contents, each judged by both policies
    EXPECT_EQ(gold["Buy followers now|spam"], true);
    EXPECT_EQ(gold["See you at lunch|spam"], false);
    EXPECT_EQ(gold["Cheap watches here|spam"], true);
    EXPECT_EQ(gold["See you at lunch|hate-speech"], false);
    EXPECT_EQ(gold["You people are vermin|hate-speech"], true);
    EXPECT_TRUE(gold["You people are vermin|spam"].is_null());  // nobody labelled it for spam
    const json metrics = json::parse(std::ifstream(out / "metrics.json"));
    std::map<std::string, int> evaluated;
    for (const json& m : metrics["policies"])
        evaluated[m["policy"].get<std::string>()] = m["evaluated"].get<int>();
    EXPECT_EQ(evaluated["spam"], 3);
    EXPECT_EQ(evaluated["hate-speech"], 2);
}

TEST_P(EvalReviewed, NothingReviewedOrNoDatabaseIsRefusedWithAReason) {
    const std::string db = fresh("eval-unreviewed");
    const storage::ReviewLog reviews(db);  // the table, without a review in it
    const test::CommandResult empty = eval(db, test::scratch_dir() / "eval-unreviewed");
    EXPECT_EQ(empty.exit_code, 2) << empty.output;
    EXPECT_NE(empty.output.find("no reviewed items"), std::string::npos) << empty.output;
    if (GetParam() == storage::Engine::sqlite) {
        const test::CommandResult missing = eval(db + ".missing", test::scratch_dir() / "eval-missing");
        EXPECT_EQ(missing.exit_code, 2) << missing.output;
        EXPECT_NE(missing.output.find("no such database file"), std::string::npos) << missing.output;
        EXPECT_FALSE(std::filesystem::exists(db + ".missing"));
    }
}

ARBITER_ON_BOTH_ENGINES(EvalReviewed);

}  // namespace
}  // namespace arbiter
