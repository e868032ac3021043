// Perspective's API on `arbiter serve`: the shapes and errors over HTTP, span offsets in UTF-16
// units on text with emoji and combining marks, doNotStore, suggestscore's review labels, and
// Google's own Python client driven through arbiter's discovery document. Scores are checked
// against the server's own /v1/classify on the same text, an independent path to the same model.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/api_keys.h"
#include "storage/review_log.h"
#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/stored_text.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::fresh_db;
using test::kPolicies;
using test::Reply;
using test::send;
using test::ServerProcess;

// The score /v1/classify gives `text` under `policy` in score mode.
double classify_score(int port, const std::string& key, const std::string& policy, const std::string& text) {
    const Reply r = send(port, "POST", "/v1/classify",
                         json{{"policies", {policy}}, {"mode", "score"}, {"content", text}}.dump(), key);
    EXPECT_EQ(r.status, 200) << r.text;
    return r.body["verdicts"][0]["probability"].get<double>();
}

class PerspectiveTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        key_ = service::make_api_key();
        admin_key_ = service::make_api_key();
        const std::string keys =
            test::write_file("perspective-keys.txt",
                             service::api_key_line("moderator", service::Role::classify, key_) + "\n" +
                                 service::api_key_line("ops", service::Role::admin, admin_key_) + "\n");
        const std::string config = test::write_config("perspective",
                                                      "perspective:\n"
                                                      "  attributes: {TOXICITY: spam, INSULT: hate-speech}\n"
                                                      "  max_text_bytes: 2000\n");
        db_ = new std::filesystem::path(fresh_db("perspective"));
        server_ = new ServerProcess(*db_, {"--policies", kPolicies, "--config", config, "--api-keys", keys});
    }
    static void TearDownTestSuite() {
        delete server_;
        delete db_;
    }
    static Reply analyze(const json& body, const std::string& key_param) {
        return send(server_->port(), "POST", "/v1alpha1/comments:analyze" + key_param, body.dump());
    }
    static std::string with_key() { return "?key=" + key_; }

    static std::string key_;
    static std::string admin_key_;
    static std::filesystem::path* db_;
    static ServerProcess* server_;
};
std::string PerspectiveTest::key_;
std::string PerspectiveTest::admin_key_;
std::filesystem::path* PerspectiveTest::db_ = nullptr;
ServerProcess* PerspectiveTest::server_ = nullptr;

TEST_F(PerspectiveTest, AnalyzeAnswersInPerspectivesShapeWithTheModelsScores) {
    const std::string text = "Claim your free prize now, you idiot!";
    const Reply r = analyze(
        {{"comment", {{"text", text}, {"type", "PLAIN_TEXT"}}},
         {"requestedAttributes", {{"TOXICITY", json::object()}, {"INSULT", {{"scoreType", "PROBABILITY"}}}}},
         {"languages", {"en"}},
         {"clientToken", "t-1"},
         {"sessionId", "s"},
         {"communityId", "c"}},
        with_key());
    ASSERT_EQ(r.status, 200) << r.text;
    EXPECT_EQ(r.body["clientToken"], "t-1");
    EXPECT_EQ(r.body["languages"], json({"en"}));
    const json& toxicity = r.body["attributeScores"]["TOXICITY"]["summaryScore"];
    EXPECT_EQ(toxicity["type"], "PROBABILITY");
    EXPECT_DOUBLE_EQ(toxicity["value"].get<double>(), classify_score(server_->port(), key_, "spam", text));
    EXPECT_DOUBLE_EQ(r.body["attributeScores"]["INSULT"]["summaryScore"]["value"].get<double>(),
                     classify_score(server_->port(), key_, "hate-speech", text));
    EXPECT_FALSE(r.body["attributeScores"]["TOXICITY"].contains("spanScores"));
    // A threshold above the score leaves the attribute out, as Perspective does.
    const double score = toxicity["value"].get<double>();
    const Reply above =
        analyze({{"comment", {{"text", text}}},
                 {"requestedAttributes", {{"TOXICITY", {{"scoreThreshold", std::min(1.0, score + 1e-6)}}}}}},
                with_key());
    ASSERT_EQ(above.status, 200);
    EXPECT_FALSE(above.body["attributeScores"].contains("TOXICITY")) << above.text;
}

TEST_F(PerspectiveTest, SpansAreSentencesInUtf16UnitsScoredAlone) {
    // "👋🏽" is two code points and four UTF-16 units; "é" here is 'e' and a combining mark (2 units).
    const std::string text = "Hi \xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD there.  Cafe\xCC\x81 time!\nok";
    const Reply r = analyze({{"comment", {{"text", text}}},
                             {"requestedAttributes", {{"TOXICITY", json::object()}}},
                             {"spanAnnotations", true}},
                            with_key());
    ASSERT_EQ(r.status, 200) << r.text;
    const json& spans = r.body["attributeScores"]["TOXICITY"]["spanScores"];
    ASSERT_EQ(spans.size(), 3u) << spans.dump();
    EXPECT_EQ(spans[0]["begin"], 0);
    EXPECT_EQ(spans[0]["end"], 14);  // "Hi " 3 + 4 (emoji) + " there." 7
    EXPECT_EQ(spans[1]["begin"], 16);
    EXPECT_EQ(spans[1]["end"], 27);  // "Cafe" 4 + mark 1 + " time!" 6
    EXPECT_EQ(spans[2]["begin"], 28);
    EXPECT_EQ(spans[2]["end"], 30);
    EXPECT_DOUBLE_EQ(spans[1]["score"]["value"].get<double>(),
                     classify_score(server_->port(), key_, "spam", "Cafe\xCC\x81 time!"));
}

TEST_F(PerspectiveTest, MistakesGetGooglesErrorShapeAndStatus) {
    const auto expect_error = [](const Reply& r, int status, const std::string& google_status,
                                 const std::string& says) {
        EXPECT_EQ(r.status, status) << r.text;
        EXPECT_EQ(r.body["error"]["code"], status) << r.text;
        EXPECT_EQ(r.body["error"]["status"], google_status) << r.text;
        EXPECT_NE(r.body["error"]["message"].get<std::string>().find(says), std::string::npos) << r.text;
    };
    const json ok_attributes = {{"TOXICITY", json::object()}};
    expect_error(
        analyze({{"comment", {{"text", "x"}}}, {"requestedAttributes", {{"FLIRTATION", json::object()}}}},
                with_key()),
        400, "INVALID_ARGUMENT", "This server offers: INSULT, TOXICITY");
    expect_error(analyze({{"comment", {{"text", ""}}}, {"requestedAttributes", ok_attributes}}, with_key()),
                 400, "INVALID_ARGUMENT", "empty");
    expect_error(
        analyze({{"comment", {{"text", std::string(2001, 'a')}}}, {"requestedAttributes", ok_attributes}},
                with_key()),
        400, "INVALID_ARGUMENT", "too many bytes");
    expect_error(analyze({{"comment", {{"text", "x"}}}, {"requestedAttributes", ok_attributes}, {"extra", 1}},
                         with_key()),
                 400, "INVALID_ARGUMENT", "Unknown name \"extra\"");
    expect_error(analyze({{"comment", {{"text", "x"}}}, {"requestedAttributes", ok_attributes}}, ""), 403,
                 "PERMISSION_DENIED", "missing a valid API key");
    expect_error(
        analyze({{"comment", {{"text", "x"}}}, {"requestedAttributes", ok_attributes}}, with_key() + "x"),
        400, "INVALID_ARGUMENT", "API key not valid");
}

TEST_F(PerspectiveTest, DoNotStoreKeepsOnlyTheHashAndSuggestScoreStoresALabel) {
    const std::string secret = "a private comment 7f3a";
    ASSERT_EQ(analyze({{"comment", {{"text", secret}}},
                       {"requestedAttributes", {{"TOXICITY", json::object()}}},
                       {"doNotStore", true}},
                      with_key())
                  .status,
              200);
    const Reply kept = analyze(
        {{"comment", {{"text", "a kept comment"}}}, {"requestedAttributes", {{"TOXICITY", json::object()}}}},
        with_key());
    ASSERT_EQ(kept.status, 200);
    const std::string bytes = test::stored_text(db_->string());
    EXPECT_NE(bytes.find("a kept comment"), std::string::npos) << "the check below could not see content";
    EXPECT_EQ(bytes.find(secret), std::string::npos) << "doNotStore content reached the database";

    // A key that may review gives labels (a classify key's scores are suggestions, kept apart:
    // service_surfaces_test.cpp).
    const Reply suggested = send(server_->port(), "POST", "/v1alpha1/comments:suggestscore?key=" + admin_key_,
                                 json{{"comment", {{"text", "you are all fools"}}},
                                      {"attributeScores", {{"INSULT", {{"summaryScore", {{"value", 0.8}}}}}}},
                                      {"clientToken", "fb-1"}}
                                     .dump());
    ASSERT_EQ(suggested.status, 200) << suggested.text;
    EXPECT_EQ(suggested.body, json({{"clientToken", "fb-1"}}));
    storage::ReviewLog reviews(*db_);
    const std::vector<storage::Review> labels = reviews.of_policy("hate-speech");
    ASSERT_FALSE(labels.empty());
    EXPECT_TRUE(labels.back().violation);
    EXPECT_DOUBLE_EQ(labels.back().score.value_or(-1), 0.8);
    EXPECT_EQ(labels.back().reviewer, "ops");
    EXPECT_EQ(labels.back().source, "perspective:suggestscore");
    EXPECT_NE(labels.back().content_json.find("you are all fools"), std::string::npos);

    // Exported as JSONL, the labels are a dataset `arbiter eval` measures the policy on.
    const Reply exported = send(server_->port(), "GET", "/v1/reviews?policy=hate-speech", "", admin_key_);
    ASSERT_EQ(exported.status, 200) << exported.text;
    const json line = json::parse(exported.text.substr(0, exported.text.find('\n')));
    EXPECT_EQ(line["text"], "you are all fools");
    EXPECT_EQ(line["label"], 1);
    EXPECT_EQ(send(server_->port(), "GET", "/v1/reviews?policy=hate-speech", "", key_).status, 403);
    const std::string data = test::write_file("perspective-reviews.jsonl", exported.text);
    const test::CommandResult eval = test::run_command(
        std::string(ARBITER_BIN_DIR) + "/arbiter eval --model " + test::tiny_model().string() + " --policy " +
        kPolicies + "/hate-speech.md --data " + data + " --mode score --out " +
        (test::scratch_dir() / "perspective-eval").string() + " 2>&1");
    EXPECT_EQ(eval.exit_code, 0) << eval.output;
    EXPECT_NE(eval.output.find("hate-speech"), std::string::npos) << eval.output;
}

// Runs a discovery-based client (tests/perspective/discovery_client.*) and checks what it got.
void check_discovery_client(int port, const std::string& key, const std::string& command,
                            const std::string& token) {
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/$discovery/rest?version=v1alpha1";
    const test::CommandResult run = test::run_command(command + " '" + url + "' " + key);
    ASSERT_EQ(run.exit_code, 0) << "scripts/deps and scripts/test install the clients:\n" << run.output;
    const json out = json::parse(run.output.substr(run.output.find('{')));
    ASSERT_EQ(out["analyze"]["status"], 200) << out.dump();
    const std::string text = "You are a wonderful person. Claim your prize now!";
    EXPECT_DOUBLE_EQ(
        out["analyze"]["body"]["attributeScores"]["TOXICITY"]["summaryScore"]["value"].get<double>(),
        classify_score(port, key, "spam", text));
    EXPECT_EQ(out["analyze"]["body"]["clientToken"], token + "-1");
    EXPECT_EQ(out["spans"]["body"]["attributeScores"]["TOXICITY"]["spanScores"].size(), 2u) << out.dump();
    EXPECT_EQ(out["bad_attribute"]["status"], 400);
    EXPECT_EQ(out["bad_attribute"]["body"]["error"]["status"], "INVALID_ARGUMENT");
    EXPECT_EQ(out["suggest"]["body"]["clientToken"], token + "-2");
    EXPECT_EQ(out["bad_key"]["status"], 400);
    EXPECT_NE(out["bad_key"]["body"]["error"]["message"].get<std::string>().find("API key not valid"),
              std::string::npos);
}

TEST_F(PerspectiveTest, GooglesPythonClientWorksWithOnlyTheDiscoveryUrlChanged) {
    check_discovery_client(server_->port(), key_,
                           "/usr/bin/python3 " ARBITER_SOURCE_DIR "/tests/perspective/discovery_client.py",
                           "py");
}

TEST_F(PerspectiveTest, GooglesNodeClientWorksWithOnlyTheDiscoveryUrlChanged) {
    check_discovery_client(server_->port(), key_,
                           "node " ARBITER_SOURCE_DIR "/tests/perspective/discovery_client.mjs", "js");
}

}  // namespace
}  // namespace arbiter
