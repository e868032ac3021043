// Hostile and careless clients on the newer surfaces (reviews, Perspective's suggestscore, runs,
// shadows, stream sessions), in-process on the tiny model's engine: each test is one defect found
// by trying them as an attacker would, and fails on the code before its fix.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "service/service_config.h"
#include "support/in_process_server.h"
#include "support/scratch.h"
#include "support/service_client.h"
#include "support/sse_events.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::error_message;
using test::fresh_db;
using test::post;
using test::Reply;
using test::send;

// One server for the review, run and Perspective cases: a key of each role, SPAM served through
// Perspective's API by the spam policy.
class SurfacesTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const std::string keys = (test::scratch_dir() / "surfaces-keys.txt").string();
        std::filesystem::remove(keys);
        app_ = test::new_api_key(keys, "app", "classify");
        rita_ = test::new_api_key(keys, "rita", "review");
        sam_ = test::new_api_key(keys, "sam", "review");
        ops_ = test::new_api_key(keys, "ops", "admin");
        const std::string config =
            test::write_config("surfaces", "perspective:\n  attributes: {SPAM: spam}\n");
        server_ =
            new test::InProcessServer(fresh_db("surfaces"), {.config = service::load_service_config(config),
                                                             .keys_file = keys,
                                                             .engine = true,
                                                             .streams = 0,
                                                             .max_reasoning_tokens = 0});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static const test::InProcessServer& service() { return *server_; }

    // A score-mode decision on `text` against spam; its decision id.
    static int64_t decide(const std::string& text) {
        const Reply r = post(service(), "/v1/classify",
                             {{"policies", {"spam"}}, {"mode", "score"}, {"content", text}}, app_);
        EXPECT_EQ(r.status, 200) << r.text;
        const Reply log = send(service(), "GET", "/v1/decisions?policy=spam&limit=1", "", ops_);
        EXPECT_EQ(log.status, 200) << log.text;
        return log.body["decisions"][0]["decision_id"].get<int64_t>();
    }
    static Reply suggest(const std::string& key, const std::string& text, double value) {
        return send(service(), "POST", "/v1alpha1/comments:suggestscore?key=" + key,
                    json{{"comment", {{"text", text}}},
                         {"attributeScores", {{"SPAM", {{"summaryScore", {{"value", value}}}}}}}}
                        .dump());
    }
    // The labelled set's line for `text`, or null.
    static json labelled(const std::string& text) {
        const Reply r = send(service(), "GET", "/v1/labelled-sets/spam", "", rita_);
        EXPECT_EQ(r.status, 200) << r.text;
        std::istringstream lines(r.text);
        for (std::string line; std::getline(lines, line);) {
            json item = json::parse(line);
            if (item.value("text", "") == text) return item;
        }
        return nullptr;
    }

    static std::string app_, rita_, sam_, ops_;
    static test::InProcessServer* server_;
};
std::string SurfacesTest::app_, SurfacesTest::rita_, SurfacesTest::sam_, SurfacesTest::ops_;
test::InProcessServer* SurfacesTest::server_ = nullptr;

// Defect 1: three suggestscore calls of a classify key flipped a label two reviewers gave.
TEST_F(SurfacesTest, SuggestionsNeverOutvoteReviewers) {
    const std::string text = "buy cheap followers today, limited offer 51";
    const int64_t decision = decide(text);
    for (const std::string* key : {&rita_, &sam_}) {
        const Reply r =
            post(service(), "/v1/reviews", {{"decision_id", decision}, {"violation", true}}, *key);
        ASSERT_EQ(r.status, 201) << r.text;
    }
    json item = labelled(text);
    ASSERT_TRUE(item.is_object()) << "the reviewed text is not in the labelled set";
    EXPECT_EQ(item["label"], 1);

    // A classify key's scores are suggestions: kept, never counted.
    for (int i = 0; i < 3; ++i) ASSERT_EQ(suggest(app_, text, 0.0).status, 200);
    item = labelled(text);
    ASSERT_TRUE(item.is_object());
    EXPECT_EQ(item["label"], 1) << item.dump();
    EXPECT_EQ(item["reviewers"], json({"rita", "sam"})) << item.dump();
    const Reply exported = send(service(), "GET", "/v1/reviews?policy=spam", "", rita_);
    ASSERT_EQ(exported.status, 200);
    EXPECT_EQ(exported.text.find("\"app\""), std::string::npos) << "a suggestion is in the review export";

    // A key that may review labels, but once: its three scores are one vote against two.
    for (int i = 0; i < 3; ++i) ASSERT_EQ(suggest(ops_, text, 0.0).status, 200);
    item = labelled(text);
    ASSERT_TRUE(item.is_object());
    EXPECT_EQ(item["label"], 1) << item.dump();
    EXPECT_EQ(item["reviews"], 3) << item.dump();
}

// Defect 11: a note's limit is 2,000 characters, as documented, not 2,000 bytes.
TEST_F(SurfacesTest, ReviewNotesAreLimitedInCharacters) {
    const int64_t decision = decide("a note of emoji 11");
    std::string emoji;
    for (int i = 0; i < 600; ++i) emoji += "\xF0\x9F\x98\x80";  // 600 characters, 2,400 bytes
    Reply r = post(service(), "/v1/reviews",
                   {{"decision_id", decision}, {"violation", false}, {"note", emoji}}, rita_);
    EXPECT_EQ(r.status, 201) << r.text;
    std::string long_note;
    for (int i = 0; i < 2001; ++i) long_note += "\xC3\xA9";  // 2,001 characters
    r = post(service(), "/v1/reviews", {{"decision_id", decision}, {"violation", false}, {"note", long_note}},
             sam_);
    EXPECT_EQ(r.status, 400) << r.text;
    EXPECT_NE(error_message(r).find("2001 characters"), std::string::npos) << r.text;
}

// Defect 12: Perspective's routes take the Bearer scheme in any case, as the rest of the API.
TEST_F(SurfacesTest, PerspectiveTakesTheBearerSchemeInAnyCase) {
    const json body = {{"comment", {{"text", "hello there"}}},
                       {"requestedAttributes", {{"SPAM", json::object()}}}};
    for (const std::string scheme : {"Bearer", "bearer", "BEARER", "bEaReR"}) {
        service::HttpRequest req;
        req.method = "POST";
        req.path = "/v1alpha1/comments:analyze";
        req.headers = {{"Authorization", scheme + " " + app_}, {"Content-Type", "application/json"}};
        req.body = body.dump();
        const service::HttpResponse res = service().handle(std::move(req));
        EXPECT_EQ(res.status, 200) << scheme << ": " << res.body;
    }
}

// Defect 6: numbers past 32 bits were wrapped to fit (4294967297 ran version 1).
TEST_F(SurfacesTest, LargeNumbersAreRefusedNotWrapped) {
    const json too_big = 4294967297LL;  // 2^32 + 1: get<int>() made it 1
    const json too_big_replay = 4294967301LL;
    const json negative = -4294967293LL;
    const std::vector<json> runs = {
        {{"policy", "spam"}, {"candidate", {{"version", too_big}}}},
        {{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"baseline", {{"version", too_big}}}},
        {{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", too_big_replay}}}},
        {{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"replay", negative}}}},
        {{"policy", "spam"}, {"candidate", {{"version", json(18446744073709551615ULL)}}}},
        {{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"mode", 5}},
        {{"policy", "spam"}, {"candidate", {{"version", 1}}}, {"items", {{"labelled_set", "yes"}}}},
    };
    for (const json& run : runs) {
        const Reply r = post(service(), "/v1/runs", run, ops_);
        EXPECT_EQ(r.status, 400) << run.dump() << " -> " << r.text;
    }
    Reply r = send(service(), "PUT", "/v1/policies/spam/shadow", json{{"version", too_big}}.dump(), ops_);
    EXPECT_EQ(r.status, 400) << r.text;
    r = post(service(), "/v1/policies/spam/promote", {{"version", too_big}}, ops_);
    EXPECT_EQ(r.status, 400) << r.text;
    r = post(service(), "/v1/reviews", {{"decision_id", json(18446744073709551615ULL)}, {"violation", true}},
             rita_);
    EXPECT_EQ(r.status, 400) << r.text;
    r = post(service(), "/v1/playground",
             {{"content", "x"}, {"runs", {{{"policy", "spam"}, {"version", too_big}}}}}, ops_);
    EXPECT_EQ(r.status, 400) << r.text;
}

// Defect 7: runs queued without bound (150 runs of a 100 KB draft were all accepted).
TEST_F(SurfacesTest, RunsQueueWithinBounds) {
    // Replays of 64 decisions in reason mode queue behind each other (the first takes seconds);
    // a key may queue a few, never the server.
    json items = json::array();
    for (int i = 0; i < 64; ++i) items.push_back({{"content", "message number " + std::to_string(i)}});
    ASSERT_EQ(
        post(service(), "/v1/classify", {{"policies", {"spam"}}, {"mode", "score"}, {"items", items}}, app_)
            .status,
        200);
    const json run = {{"policy", "spam"},
                      {"candidate", {{"version", 1}}},
                      {"items", {{"replay", 1000}}},
                      {"mode", "reason"}};
    std::vector<std::string> started;
    int refused = 0;
    for (int i = 0; i < 12 && refused == 0; ++i) {
        const Reply r = post(service(), "/v1/runs", run, ops_);
        if (r.status == 202) started.push_back(r.body["id"].get<std::string>());
        if (r.status == 429) {
            ++refused;
            EXPECT_NE(error_message(r).find("runs waiting"), std::string::npos) << r.text;
            EXPECT_TRUE(r.headers.count("Retry-After")) << r.text;
        }
    }
    EXPECT_EQ(refused, 1) << "12 runs of one key were all queued";
    EXPECT_LE(started.size(), 6U);
    // Another key still has room.
    const Reply other = post(service(), "/v1/runs", run, rita_);
    EXPECT_EQ(other.status, 202) << other.text;
    if (other.status == 202) started.push_back(other.body["id"].get<std::string>());
    for (const std::string& id : started) post(service(), "/v1/runs/" + id + "/cancel", json::object(), ops_);
}

// Defect 9: a stream of more policies than the server has sequences can never open: not a 429.
TEST(StreamSurfaces, AStreamThatCanNeverFitIs413) {
    const test::InProcessServer server(
        fresh_db("surfaces-never-fits"),
        {.config = {}, .keys_file = {}, .engine = true, .streams = 2, .max_reasoning_tokens = 0});
    const Reply r = post(server, "/v1/streams",
                         {{"policies", {"spam", "hate-speech", "self-harm"}}, {"context", "Write a note."}});
    EXPECT_EQ(r.status, 413) << r.text;
    EXPECT_FALSE(r.headers.count("Retry-After")) << r.text;
    EXPECT_NE(error_message(r).find("--streams"), std::string::npos) << r.text;
    // Two fit.
    const Reply two = post(server, "/v1/streams", {{"policies", {"spam", "hate-speech"}}, {"context", "x"}});
    EXPECT_EQ(two.status, 201) << two.text;
}

// Defect 2: a close that timed out left the stream unfinished for good: no end event, no rows.
TEST(StreamSurfaces, AStreamWhoseCloseTimesOutStillEndsAndIsLogged) {
    service::ServiceConfig config;
    config.request_timeout = std::chrono::milliseconds(50);
    const test::InProcessServer server(
        fresh_db("surfaces-close"),
        {.config = config, .keys_file = {}, .engine = true, .streams = 3, .max_reasoning_tokens = 0});
    const json policies = {{{"id", "spam"}, {"check_every_tokens", 1}},
                           {{"id", "hate-speech"}, {"check_every_tokens", 1}},
                           {{"id", "self-harm"}, {"check_every_tokens", 1}}};
    const Reply opened = post(server, "/v1/streams", {{"policies", policies}, {"context", "Write a story."}});
    ASSERT_EQ(opened.status, 201) << opened.text;
    const std::string id = opened.body["id"].get<std::string>();
    std::string text;
    for (int i = 0; i < 60; ++i) text += "The night was long and the road was quiet. ";
    ASSERT_EQ(post(server, "/v1/streams/" + id + "/append", {{"text", text}}).status, 200);
    // Hundreds of checks of three policies cannot be done in 50 ms.
    const Reply closed = post(server, "/v1/streams/" + id + "/close", json::object());
    ASSERT_EQ(closed.status, 504) << closed.text;

    // The stream still ends: its readers get the end event, the log one row per policy.
    // Read to its end, for at most a minute (the fixture gives up on a stream that never ends).
    service::HttpRequest subscribe;
    subscribe.method = "GET";
    subscribe.path = "/v1/streams/" + id + "/events";
    const std::string events = server.handle(std::move(subscribe)).body;
    const std::vector<test::SseEvent> parsed = test::parse_sse(events);
    ASSERT_FALSE(parsed.empty());
    EXPECT_EQ(parsed.back().name, "end") << events.substr(events.size() > 500 ? events.size() - 500 : 0);
    const Reply log = send(server, "GET", "/v1/decisions?limit=100");
    ASSERT_EQ(log.status, 200) << log.text;
    std::set<std::string> logged;
    for (const json& d : log.body["decisions"]) {
        if (d["request_id"] == id) logged.insert(d["policy_id"].get<std::string>());
    }
    EXPECT_EQ(logged, (std::set<std::string>{"spam", "hate-speech", "self-harm"}));
    // A second close returns the result.
    const Reply again = post(server, "/v1/streams/" + id + "/close", json::object());
    EXPECT_EQ(again.status, 200) << again.text;
}

}  // namespace
}  // namespace arbiter
