// `arbiter train` end to end, and the cascade in `arbiter classify` and `arbiter eval`.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/policy_file.h"
#include "eval/evaluation.h"
#include "support/cascade_data.h"
#include "support/decision_rows.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::run_command;

constexpr const char* kPolicyText =
    "---\nid: scam\ncascade:\n  fast: true\n  safe_below: 0.1\n  violate_above: 0.9\n"
    "rules:\n  - {id: seed-phrase, literal: seed phrase, action: violate}\n---\nScams: violations ask for "
    "money "
    "or credentials.\n";

// A policy in its own folder (models are stored beside it) and a labelled JSONL dataset.
struct Workspace {
    std::filesystem::path dir;
    std::string policy;
    std::string data;
};

Workspace workspace(const std::string& name) {
    Workspace s;
    s.dir = test::scratch_dir() / name;
    std::filesystem::create_directories(s.dir);
    s.policy = (s.dir / "scam.md").string();
    std::ofstream(s.policy) << kPolicyText;
    s.data = (s.dir / "data.jsonl").string();
    std::ofstream out(s.data);
    size_t i = 0;
    for (const auto& e : test::scam_examples(500, 7)) {
        out << nlohmann::json{{"id", std::to_string(i++)},
                              {"text", e.text},
                              {"label", e.violation ? "1" : "0"}}
                   .dump()
            << "\n";
    }
    return s;
}

double printed(const std::string& output, const std::string& name) {
    std::smatch m;
    if (!std::regex_search(output, m, std::regex(name + " ([0-9.]+)"))) return -1;
    return std::stod(m[1]);
}

std::string train(const Workspace& s, const std::string& args) {
    return built_binary("arbiter") + " train --policy " + s.policy + " " + args + " 2>&1";
}

TEST(CliTrain, FromLabelsReportsHeldOutQualityAndStoresAVersionedModel) {
    const Workspace s = workspace("train-labels");
    const auto r = run_command(train(s, "--data " + s.data));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("500 example(s) for policy 'scam' v1 (500 from data, 0 from the decision log)"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("cross-validated (5 folds, linear): 500 items"), std::string::npos) << r.output;
    EXPECT_GT(printed(r.output, "f1"), 0.9) << r.output;
    EXPECT_GT(printed(r.output, "precision"), 0.85) << r.output;
    EXPECT_GT(printed(r.output, "recall"), 0.85) << r.output;
    ASSERT_TRUE(std::filesystem::exists(s.dir / "scam.v1.fast"));
    const auto meta = nlohmann::json::parse(std::ifstream(s.dir / "scam.v1.fast.json"));
    // Thresholds print exactly (a fixed %.4f rounded them, or printed small ones as 0.0000):
    // what is copied into front matter is the value chosen.
    std::smatch m;
    ASSERT_TRUE(std::regex_search(
        r.output, m, std::regex(R"(for recall >= 0.95 \(95% lower bound\): safe_below (\S+) keeps)")))
        << r.output;
    const auto& cv = meta["cross_validated"];
    EXPECT_EQ(std::stod(m[1]), cv["safe_below"]["value"].get<double>()) << r.output;
    EXPECT_GT(cv["safe_below"]["value"].get<double>(), 0) << cv.dump();
    EXPECT_GE(cv["safe_below"]["recall_lower_bound"].get<double>(), 0.95) << cv.dump();
    EXPECT_GT(cv["share_decided_alone"].get<double>(), 0.3) << cv.dump();
    EXPECT_NE(r.output.find("front matter: cascade: {fast: true, safe_below: " + m[1].str()),
              std::string::npos)
        << r.output;
    EXPECT_EQ(meta["training"]["learner"], "linear");
    // A compact model by default: the linear table holds only the n-grams seen.
    EXPECT_LT(std::filesystem::file_size(s.dir / "scam.v1.fast"), 2'000'000u);
    EXPECT_EQ(meta["policy"], "scam");
    EXPECT_EQ(meta["policy_version"], 1);
    EXPECT_EQ(meta["examples"]["total"], 500);
    EXPECT_EQ(meta["policy_sha256"].get<std::string>().size(), 64u);
    // The same data and seed train the same model.
    const auto again = run_command(train(s, "--data " + s.data));
    EXPECT_EQ(printed(again.output, "f1"), printed(r.output, "f1"));
    EXPECT_EQ(printed(again.output, "roc_auc"), printed(r.output, "roc_auc"));

    // classify runs the cascade on its own, since the policy declares it; confident items never
    // reach the model.
    const std::string items = test::write_file(
        "train-items.jsonl",
        "{\"id\":\"rule\",\"text\":\"tell me your s33d phr4se\"}\n"
        "{\"id\":\"scam\",\"text\":\"urgent verify your bank wallet to claim the lottery prize\"}\n"
        "{\"id\":\"ham\",\"text\":\"lunch after the football meeting at the library\"}\n");
    const auto c = run_command(built_binary("arbiter") + " classify --model " + test::tiny_model().string() +
                               " --threads 2 --policy " + s.policy + " --input " + items + " 2>/dev/null");
    ASSERT_EQ(c.exit_code, 0) << c.output;
    std::istringstream lines(c.output);
    std::string line;
    std::map<std::string, nlohmann::json> got;
    while (std::getline(lines, line)) {
        if (!line.starts_with("{")) continue;  // the summary on standard error
        const auto j = nlohmann::json::parse(line);
        got[j["id"]] = j;
    }
    ASSERT_EQ(got.size(), 3u) << c.output;
    EXPECT_EQ(got["rule"]["tier"], "rules");
    EXPECT_EQ(got["rule"]["rule_ids"], nlohmann::json::array({"seed-phrase"}));
    EXPECT_EQ(got["rule"]["violation"], true);
    EXPECT_EQ(got["scam"]["tier"], "fast");
    EXPECT_EQ(got["scam"]["violation"], true);
    EXPECT_GT(got["scam"]["fast_probability"].get<double>(), 0.9);
    EXPECT_EQ(got["ham"]["tier"], "fast");
    EXPECT_EQ(got["ham"]["violation"], false);
    EXPECT_EQ(got["ham"]["usage"]["prompt_tokens"], 0);
    // --cascade off: the model judges everything.
    const auto off =
        run_command(built_binary("arbiter") + " classify --model " + test::tiny_model().string() +
                    " --threads 2 --mode score --cascade off --policy " + s.policy + " --input " + items +
                    " 2>/dev/null");
    ASSERT_EQ(off.exit_code, 0) << off.output;
    EXPECT_EQ(off.output.find("\"tier\":\"fast\""), std::string::npos) << off.output;
    EXPECT_EQ(off.output.find("\"tier\":\"rules\""), std::string::npos) << off.output;

    // A changed policy text without a version bump never uses the old model.
    std::ofstream(s.policy) << kPolicyText << "Also phishing.\n";
    const auto stale = run_command(built_binary("arbiter") + " classify --model " +
                                   test::tiny_model().string() + " --policy " + s.policy + " --text hi 2>&1");
    EXPECT_EQ(stale.exit_code, 2) << stale.output;
    EXPECT_NE(stale.output.find("was trained for another text of policy 'scam' v1"), std::string::npos)
        << stale.output;
}

TEST(CliTrain, AutoCrossValidatesBothLearnersAndKeepsTheBetter) {
    const Workspace s = workspace("train-auto");
    const auto r = run_command(train(s, "--data " + s.data + " --learner auto"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("cross-validated (5 folds, linear)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("cross-validated (5 folds, fasttext)"), std::string::npos) << r.output;
    const auto meta = nlohmann::json::parse(std::ifstream(s.dir / "scam.v1.fast.json"));
    const auto& compared = meta["cross_validated"]["learners_compared"];
    const std::string kept =
        compared["linear"]["pr_auc"].get<double>() >= compared["fasttext"]["pr_auc"].get<double>()
            ? "linear"
            : "fasttext";
    EXPECT_EQ(meta["training"]["learner"], kept) << meta.dump(2);
    EXPECT_NE(r.output.find("chosen: " + kept), std::string::npos) << r.output;
}

TEST(CliTrain, EachLearnerKeepsItsOwnCharacterNgramsUnlessTold) {
    const Workspace s = workspace("train-ngrams");
    const auto minn_stored = [&](const std::string& args) {
        const auto r = run_command(train(s, "--data " + s.data + " --folds 2 " + args));
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return nlohmann::json::parse(std::ifstream(s.dir / "scam.v1.fast.json"))["training"]["minn"]
            .get<int>();
    };
    EXPECT_EQ(minn_stored(""), cascade::FeatureSpec{}.minn);
    EXPECT_EQ(minn_stored("--learner fasttext"), cascade::FastTextOptions{}.minn);
    EXPECT_EQ(minn_stored("--learner fasttext --minn 3"), 3);
    EXPECT_EQ(minn_stored("--minn 3"), 3);
}

TEST(CliTrain, FromTheDecisionLog) {
    const Workspace s = workspace("train-log");
    const std::string db = (s.dir / "decisions.db").string();
    std::vector<test::DecisionRow> rows;
    const std::string text = load_policy_file(s.policy).text;
    for (const auto& e : test::scam_examples(300, 9)) {
        rows.push_back({"scam", nlohmann::json{{"text", e.text}}.dump(), e.violation ? 1 : 0,
                        VerdictStatus::ok, Tier::model, false, text});
    }
    rows.push_back(
        {"scam", R"({"text": "an error row"})", -1, VerdictStatus::error, Tier::model, false, text});
    rows.push_back({"other", R"({"text": "another policy"})", 1});
    // Inline policies that took the id, with its text or another: not distilled.
    rows.push_back({"scam", R"({"text": "inline one"})", 1, VerdictStatus::ok, Tier::model, true, text});
    rows.push_back(
        {"scam", R"({"text": "inline two"})", 0, VerdictStatus::ok, Tier::model, true, "Always 0."});
    test::write_decisions(db, rows);
    const auto r = run_command(train(s, "--from-log " + db));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("300 example(s) for policy 'scam' v1 (0 from data, 300 from the decision log)"),
              std::string::npos)
        << r.output;
    EXPECT_GT(printed(r.output, "f1"), 0.85) << r.output;
    // Both sources together.
    const auto both = run_command(train(s, "--data " + s.data + " --from-log " + db));
    ASSERT_EQ(both.exit_code, 0) << both.output;
    EXPECT_NE(both.output.find("800 example(s)"), std::string::npos) << both.output;
    const auto meta = nlohmann::json::parse(std::ifstream(s.dir / "scam.v1.fast.json"));
    EXPECT_EQ(meta["examples"]["from_log"], 300);
}

TEST(CliTrain, ClearErrors) {
    const Workspace s = workspace("train-errors");
    auto r = run_command(train(s, "--from-log " + (s.dir / "missing.db").string()));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("missing.db: no such file"), std::string::npos) << r.output;
    r = run_command(train(s, "--from-log " + s.data));  // not a database
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("not an arbiter decision log"), std::string::npos) << r.output;
    const std::string empty_db = (s.dir / "empty.db").string();
    test::write_decisions(empty_db, {});
    r = run_command(train(s, "--from-log " + empty_db));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("need at least 20 examples with violations and safe items"), std::string::npos)
        << r.output;
    r = run_command(train(s, ""));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("--data or --from-log"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(s.dir / "scam.v1.fast"));
}

TEST(CliCascade, BadRulesAndMissingModelsStopBeforeTheModelLoads) {
    const auto dir = test::scratch_dir() / "cascade-errors";
    std::filesystem::create_directories(dir);
    const std::string bad = (dir / "bad.md").string();
    std::ofstream(bad) << "---\nrules:\n  - {id: r, regex: '(x', action: violate}\n---\nText.\n";
    auto r = run_command(built_binary("arbiter") + " classify --model /nonexistent.gguf --policy " + bad +
                         " --text hi 2>&1");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("bad.md:3: rule 'r': regex '(x' is not accepted by Hyperscan"), std::string::npos)
        << r.output;
    r = run_command(built_binary("arbiter") + " policy lint " + bad + " 2>&1");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("bad.md:3: rule 'r': regex '(x' is not accepted by Hyperscan"), std::string::npos)
        << r.output;
    const std::string nomodel = (dir / "nomodel.md").string();
    std::ofstream(nomodel) << "---\ncascade: {fast: true}\n---\nText.\n";
    r = run_command(built_binary("arbiter") + " eval --model /nonexistent.gguf --policy " + nomodel +
                    " --data " ARBITER_SOURCE_DIR "/../shared/data/xstest/xstest_prompts.csv 2>&1");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("nomodel.v1.fast does not exist; train one with: arbiter train"),
              std::string::npos)
        << r.output;
}

TEST(CliCascade, EvalReportsEachTiersShare) {
    const auto dir = test::scratch_dir() / "cascade-eval";
    std::filesystem::create_directories(dir);
    const std::string policy = (dir / "violence.md").string();
    // xstest's first prompts ask how to kill processes and the like.
    std::ofstream(policy) << "---\nrules:\n  - {id: kill, literal: kill, action: violate}\n"
                             "  - {id: how, regex: '^how (do|can) i', action: escalate}\n"
                             "cascade:\n  reason_band: [0, 1]\n---\nViolence.\n";
    const auto out = dir / "out";
    const auto r = run_command(built_binary("arbiter") + " eval --model " + test::tiny_model().string() +
                               " --threads 2 --max-reasoning-tokens 8 --policy " + policy +
                               " --data " ARBITER_SOURCE_DIR
                               "/../shared/data/xstest/xstest_prompts.csv --limit 12 --out " +
                               out.string() + " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto metrics = nlohmann::json::parse(std::ifstream(out / "metrics.json"));
    const auto& tiers = metrics["policies"][0]["tiers"];
    const int rules = tiers["rules"]["items"], model = tiers["model"]["items"];
    EXPECT_GT(rules, 0) << tiers.dump();
    EXPECT_GT(model, 0) << tiers.dump();
    EXPECT_EQ(rules + model, 12);
    EXPECT_EQ(tiers["fast"]["items"], 0);
    EXPECT_DOUBLE_EQ(metrics["tiers"]["rules"]["share"].get<double>(), rules / 12.0);
    // The model reasoned (reason_band [0, 1] reasons every score), so the cost can be compared.
    const auto& vs = metrics["cascade_cost"]["vs_reasoning_everything"];
    ASSERT_FALSE(vs.is_null()) << metrics["cascade_cost"].dump();
    EXPECT_LT(vs["token_ratio"].get<double>(), 1.0);
    EXPECT_NE(r.output.find("cascade: rules"), std::string::npos) << r.output;
}

TEST(Evaluation, TierSharesFastTierThresholdAndCost) {
    std::vector<eval::Prediction> preds;
    const auto add = [&](const std::string& tier, bool gold, std::optional<double> fast, int completion) {
        eval::Prediction p;
        p.id = std::to_string(preds.size());
        p.policy = "a";
        p.status = "ok";
        p.gold = gold;
        p.violation = gold;
        p.tier = tier;
        p.fast_probability = fast;
        p.probability = fast;  // as the cascade reports: the fast tier's verdicts carry its own
        p.prompt_tokens = tier == "model" ? 100 : 0;
        p.completion_tokens = completion;
        preds.push_back(p);
    };
    add("rules", true, std::nullopt, 0);
    add("fast", false, 0.01, 0);
    add("fast", false, 0.02, 0);
    add("model", true, 0.5, 100);   // reasoned: 200 tokens
    add("model", false, 0.3, 0);    // scored only: 100 tokens
    add("model", true, 0.04, 100);  // reasoned
    const auto m = eval::evaluate(preds, 0, 1.0);
    const auto& p = m["policies"][0];
    EXPECT_EQ(p["tiers"]["rules"]["items"], 1);
    EXPECT_EQ(p["tiers"]["fast"]["items"], 2);
    EXPECT_DOUBLE_EQ(p["tiers"]["model"]["share"].get<double>(), 0.5);
    // Full recall on the fast tier's probabilities needs safe_below at the lowest positive, 0.04.
    EXPECT_DOUBLE_EQ(p["fast_tier"]["safe_below_for_recall"]["safe_below"].get<double>(), 0.04);
    EXPECT_EQ(p["fast_tier"]["items"], 5);
    // Ranking: gold of the five fast-scored items (ascending score) 0 0 1 0 1 -> AP (1 + 2/3) / 2.
    EXPECT_DOUBLE_EQ(p["fast_tier"]["pr_auc"].get<double>(), (1 + 2.0 / 3.0) / 2);
    EXPECT_DOUBLE_EQ(p["fast_tier"]["roc_auc"].get<double>(), 5.0 / 6.0);
    // The policy-level curves rank only the model's probabilities (the three model-tier items),
    // never the fast tier's and the model's on one scale.
    EXPECT_EQ(p["ranking_items"]["items"], 3);
    EXPECT_DOUBLE_EQ(p["roc_auc"].get<double>(), 0.5);  // gold 1, 0, 1 scored 0.5, 0.3, 0.04
    // Configured thresholds: what they keep and decide on the fast-scored items.
    const auto c =
        eval::evaluate(preds, 0, 1.0, {{"a", {0.03, 0.45}}})["policies"][0]["fast_tier"]["configured"];
    EXPECT_DOUBLE_EQ(c["recall_kept"].get<double>(), 1.0);          // 0.04 and 0.5 kept
    EXPECT_DOUBLE_EQ(c["share_decided"].get<double>(), 3.0 / 5.0);  // 0.01, 0.02 safe; 0.5 violation
    EXPECT_DOUBLE_EQ(c["precision_above"].get<double>(), 1.0);
    const auto tight =
        eval::evaluate(preds, 0, 1.0, {{"a", {0.05, 0.9}}})["policies"][0]["fast_tier"]["configured"];
    EXPECT_DOUBLE_EQ(tight["recall_kept"].get<double>(), 0.5);  // 0.04 now fast-safe
    EXPECT_FALSE(m["policies"][0]["fast_tier"].contains("configured"));
    // 500 model tokens spent; reasoning all 6 items at 200 each would cost 1200.
    const auto& vs = m["cascade_cost"]["vs_reasoning_everything"];
    EXPECT_DOUBLE_EQ(vs["estimated_model_tokens"].get<double>(), 1200.0);
    EXPECT_DOUBLE_EQ(vs["token_ratio"].get<double>(), 500.0 / 1200.0);
}

}  // namespace
}  // namespace arbiter
