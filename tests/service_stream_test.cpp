// Stream sessions through the router, in-process on the tiny model's engine: open, append, Server-Sent
// Events, close. Every check the events report must equal a one-shot score-mode classification through
// /v1/classify of the prompt with the response cut at that check's offset, each stream must end in one
// decision-log row per policy, and every refusal must say what is wrong.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

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

using Event = test::SseEvent;

// Reads /v1/streams/ID/events to its end and parses the events.
std::vector<Event> read_events(const test::InProcessServer& server, const std::string& id,
                               const std::string& last_event_id = "") {
    service::HttpRequest req;
    req.method = "GET";
    req.path = "/v1/streams/" + id + "/events";
    if (!last_event_id.empty()) req.headers.emplace_back("Last-Event-ID", last_event_id);
    const service::HttpResponse res = server.handle(std::move(req));
    if (res.status != 200) return {};
    return test::parse_sse(res.body);
}

test::InProcessOptions with_streams(int streams, std::optional<std::filesystem::path> keys = std::nullopt) {
    return {.config = {},
            .keys_file = std::move(keys),
            .engine = true,
            .streams = streams,
            .max_reasoning_tokens = 0};
}

const std::string kPrompt = "Write me a short note for my neighbour about the party.";
const std::string kResponse =
    "Hi! We are having a small party on Saturday from seven. Sorry in advance for the noise; "
    "come over if you like, there will be cake and music. Call me if anything bothers you. ";

class StreamServiceTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new test::InProcessServer(fresh_db("streams"), with_streams(4));
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static const test::InProcessServer& service() { return *server_; }
    static test::InProcessServer* server_;

    static std::string open(const json& policies, const json& context = kPrompt) {
        const Reply r = post(service(), "/v1/streams", {{"policies", policies}, {"context", context}});
        EXPECT_EQ(r.status, 201) << r.text;
        return r.body.value("id", "");
    }
    static void append_in_pieces(const std::string& id, const std::string& text, size_t piece) {
        for (size_t at = 0; at < text.size(); at += piece) {
            const Reply r =
                post(service(), "/v1/streams/" + id + "/append", {{"text", text.substr(at, piece)}});
            ASSERT_EQ(r.status, 200) << r.text;
            EXPECT_EQ(r.body["appended_bytes"], std::min(text.size(), at + piece));
        }
    }
};
test::InProcessServer* StreamServiceTest::server_ = nullptr;

TEST_F(StreamServiceTest, ChecksEqualOneShotScoresAndTheStreamIsLoggedOnce) {
    const std::string id = open({{{"id", "spam"}, {"check_every_tokens", 8}}, "hate-speech"});
    ASSERT_FALSE(id.empty());
    std::vector<Event> events;
    std::thread reader([&] { events = read_events(service(), id); });
    append_in_pieces(id, kResponse, 7);  // pieces that end inside words
    const Reply closed = post(service(), "/v1/streams/" + id + "/close", json::object());
    reader.join();
    ASSERT_EQ(closed.status, 200) << closed.text;
    EXPECT_EQ(closed.body["status"], "ok");
    EXPECT_EQ(closed.body["usage"]["response_bytes"], kResponse.size());

    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().name, "end");
    EXPECT_EQ(events.back().data, closed.body);
    std::map<std::string, int> checks;
    std::map<std::string, size_t> last_offset;
    for (size_t i = 0; i + 1 < events.size(); ++i) {
        const Event& e = events[i];
        EXPECT_EQ(e.id, i + 1);
        ASSERT_EQ(e.name, "check");
        const std::string policy = e.data["policy"];
        const size_t offset = e.data["offset_bytes"];
        EXPECT_GE(offset, last_offset[policy]);
        last_offset[policy] = offset;
        ++checks[policy];
        // The same prompt, judged at once: equal to the last digit JSON prints.
        const Reply one_shot =
            post(service(), "/v1/classify",
                 {{"policies", {policy}},
                  {"mode", "score"},
                  {"content", {{"prompt", kPrompt}, {"response", kResponse.substr(0, offset)}}}});
        ASSERT_EQ(one_shot.status, 200) << one_shot.text;
        EXPECT_EQ(one_shot.body["verdicts"][0]["probability"], e.data["probability"])
            << policy << " at byte " << offset;
    }
    // Every 8 tokens for spam, every 16 (its default) for hate-speech: spam checks more often.
    EXPECT_GT(checks["spam"], checks["hate-speech"]);
    EXPECT_GE(checks["hate-speech"], 2);
    ASSERT_EQ(closed.body["verdicts"].size(), 2u);
    const json& spam = closed.body["verdicts"][0];
    EXPECT_EQ(spam["policy"], "spam");
    EXPECT_EQ(spam["stream"]["checks"], checks["spam"]);
    EXPECT_EQ(spam["stream"]["series"].size(), static_cast<size_t>(checks["spam"]));

    const Reply log = send(service(), "GET", "/v1/decisions?limit=1000");
    int rows = 0;
    for (const json& d : log.body["decisions"]) {
        if (d["request_id"] != id) continue;
        ++rows;
        EXPECT_EQ(d["mode"], "stream");
        EXPECT_EQ(d["content"], json({{"prompt", kPrompt}, {"response", kResponse}}));
    }
    EXPECT_EQ(rows, 2);  // one per policy, however many checks

    // Closing again answers the same end; a late reader gets every event again.
    EXPECT_EQ(post(service(), "/v1/streams/" + id + "/close", json::object()).body, closed.body);
    const std::vector<Event> again = read_events(service(), id);
    ASSERT_EQ(again.size(), events.size());
    const std::vector<Event> resumed = read_events(service(), id, std::to_string(events.size() - 2));
    ASSERT_EQ(resumed.size(), 2u);
    EXPECT_EQ(resumed[0].id, events.size() - 1);
}

TEST_F(StreamServiceTest, ThresholdsDecideTheFlag) {
    // Every probability is at or above 0, and (from a softmax of two finite logits) below 1.
    const std::string always = open({{{"id", "spam"}, {"threshold", 0.0}, {"check_every_tokens", 4}}});
    const std::string never = open({{{"id", "spam"}, {"threshold", 1.0}, {"check_every_tokens", 4}}});
    append_in_pieces(always, kResponse, 40);
    append_in_pieces(never, kResponse, 40);
    const Reply flagged = post(service(), "/v1/streams/" + always + "/close", json::object());
    const Reply passed = post(service(), "/v1/streams/" + never + "/close", json::object());
    ASSERT_EQ(flagged.status, 200) << flagged.text;
    ASSERT_EQ(passed.status, 200) << passed.text;
    EXPECT_EQ(flagged.body["flagged"], json({"spam"}));
    EXPECT_EQ(flagged.body["verdicts"][0]["violation"], true);
    EXPECT_LE(flagged.body["verdicts"][0]["stream"]["flagged_at_bytes"].get<size_t>(), size_t{40});
    EXPECT_EQ(passed.body["flagged"], json::array());
    EXPECT_EQ(passed.body["verdicts"][0]["violation"], false);
}

TEST_F(StreamServiceTest, ReasonAtCloseAddsARationale) {
    const std::string id = open({{{"id", "spam"}, {"at_close", "reason"}}});
    append_in_pieces(id, kResponse, 64);
    const Reply closed = post(service(), "/v1/streams/" + id + "/close", json::object());
    ASSERT_EQ(closed.status, 200) << closed.text;
    const json& v = closed.body["verdicts"][0];
    EXPECT_TRUE(v["stream"].contains("reasoned")) << v.dump();
    EXPECT_FALSE(v["rationale"].get<std::string>().empty()) << v.dump();
}

TEST_F(StreamServiceTest, RefusalsSayWhatIsWrong) {
    Reply r = post(service(), "/v1/streams", {{"policies", {"nope"}}, {"context", kPrompt}});
    EXPECT_EQ(r.status, 404);
    r = post(service(), "/v1/streams",
             {{"policies", {{{"id", "spam"}, {"threshold", 2}}}}, {"context", kPrompt}});
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(error_message(r).find("threshold"), std::string::npos) << error_message(r);
    r = post(service(), "/v1/streams", {{"policies", {"spam"}}});
    EXPECT_EQ(r.status, 400);
    EXPECT_NE(error_message(r).find("context"), std::string::npos) << error_message(r);
    r = post(service(), "/v1/streams/str_000000000000000000000000/append", {{"text", "x"}});
    EXPECT_EQ(r.status, 404);

    const std::string id = open({"spam"});
    r = send(service(), "POST", "/v1/streams/" + id + "/append", R"({"text": "\u00e9"})");
    EXPECT_EQ(r.status, 200);
    r = send(service(), "POST", "/v1/streams/" + id + "/append", std::string("{\"text\": \"\xff\"}"));
    EXPECT_EQ(r.status, 400) << r.text;
    r = post(service(), "/v1/streams/" + id + "/append", {{"words", "x"}});
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(post(service(), "/v1/streams/" + id + "/close", json::object()).status, 200);
    r = post(service(), "/v1/streams/" + id + "/append", {{"text", "more"}});
    EXPECT_EQ(r.status, 409) << r.text;

    // Four KV sequences: four one-policy streams, and the fifth is told to wait.
    std::vector<std::string> open_ids;
    for (int i = 0; i < 4; ++i) open_ids.push_back(open({"spam"}));
    r = post(service(), "/v1/streams", {{"policies", {"spam"}}, {"context", kPrompt}});
    EXPECT_EQ(r.status, 429) << r.text;
    for (const std::string& s : open_ids) post(service(), "/v1/streams/" + s + "/close", json::object());
}

TEST(StreamServiceKeys, AStreamIsItsOwnersAlone) {
    const std::string keys = (test::scratch_dir() / "stream-keys.txt").string();
    std::filesystem::remove(keys);
    const auto make_key = [&](const std::string& name) {
        const test::CommandResult r = test::run_command(test::built_binary("arbiter") + " apikey --name " +
                                                        name + " --role classify --file " + keys);
        const size_t at = r.output.find("arb_");
        EXPECT_NE(at, std::string::npos) << r.output;
        return r.output.substr(at, 47);
    };
    const std::string mine = make_key("mine");
    const std::string theirs = make_key("theirs");
    const test::InProcessServer server(fresh_db("stream-keys"), with_streams(2, keys));
    const Reply opened = post(server, "/v1/streams", {{"policies", {"spam"}}, {"context", kPrompt}}, mine);
    ASSERT_EQ(opened.status, 201) << opened.text;
    const std::string id = opened.body["id"];
    // Another key cannot append, read or close it, nor learn that it exists.
    const std::string path = "/v1/streams/" + id;
    EXPECT_EQ(post(server, path + "/append", {{"text", "x"}}, theirs).status, 404);
    EXPECT_EQ(send(server, "GET", path + "/events", "", theirs).status, 404);
    EXPECT_EQ(post(server, path + "/close", json::object(), theirs).status, 404);
    EXPECT_EQ(post(server, path + "/append", {{"text", "x"}}).status, 401);
    EXPECT_EQ(post(server, path + "/append", {{"text", "x"}}, mine).status, 200);
    EXPECT_EQ(post(server, path + "/close", json::object(), mine).status, 200);
}

TEST(StreamServiceOff, StreamsOffIsA503ThatSaysHowToTurnThemOn) {
    const test::InProcessServer server(fresh_db("streams-off"), with_streams(0));
    const Reply r = post(server, "/v1/streams", {{"policies", {"spam"}}, {"context", "x"}});
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(error_message(r).find("--streams"), std::string::npos) << error_message(r);
}

}  // namespace
}  // namespace arbiter
