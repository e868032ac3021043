// The guarded chat gateway (serve --upstream) in front of a real llama-server serving the
// generated model, driven by OpenAI's Node SDK (tests/node/gateway.mjs): answers pass unchanged
// when nothing flags, a flag cuts a stream with content_filter in both release modes, and flagged
// input never reaches the upstream; the same on the remote backend. Policies that always or never flag make
// the outcome certain whatever the random weights say: every P(violation) is >= 0 and < 1.

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/certain_policies.h"
#include "support/chat_stream.h"
#include "support/llama_server.h"
#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::fresh_db;
using test::fresh_db_arg;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;
using test::stream_chat;
using test::StreamedChat;

std::string node_dir() {
    return std::string(ARBITER_SOURCE_DIR) + "/tests/node";
}

// Runs the SDK scenario against a gateway configured with `gateway_yaml` in front of `upstream`.
// `backend` adds serve's backend flags (default: the embedded engine on the tiny model).
void expect_scenario(const std::string& name, const std::string& upstream, const std::string& gateway_yaml,
                     const std::string& scenario, const std::string& release,
                     const std::vector<std::string>& backend = {}) {
    SCOPED_TRACE(name);
    const std::string config = test::write_config("gateway-" + name, "gateway:\n" + gateway_yaml);
    std::vector<std::string> args = {"--policies", test::certain_policies(), "--config",  config,
                                     "--upstream", upstream + "/v1",         "--release", release};
    args.insert(args.end(), backend.begin(), backend.end());
    ServerProcess server(fresh_db("gateway-" + name), args);
    const test::CommandResult sdk = test::run_command(
        "node " + node_dir() + "/gateway.mjs http://127.0.0.1:" + std::to_string(server.port()) + "/v1 " +
        upstream + "/v1 " + scenario + " " + release);
    EXPECT_EQ(sdk.exit_code, 0) << sdk.output << "\n--- server log:\n" << server.log();
    EXPECT_NE(sdk.output.find("gateway: ok"), std::string::npos) << sdk.output;

    // Every judgement is in the decision log: a streamed answer as one stream row.
    const Reply log = send(server.port(), "GET", "/v1/decisions?limit=1000");
    ASSERT_EQ(log.status, 200) << log.text;
    int streams = 0;
    for (const json& d : log.body["decisions"]) {
        if (d["mode"] != "stream") continue;
        ++streams;
        EXPECT_EQ(d["verdict"]["violation"], scenario == "cut") << d.dump();
    }
    EXPECT_EQ(streams, scenario == "input" ? 0 : 1) << log.text.substr(0, 2000);
}

class GatewayTest : public ::testing::Test {
protected:
    void SetUp() override {
        ARBITER_NEED_LLAMA_SERVER();
        ASSERT_TRUE(std::filesystem::exists(node_dir() + "/node_modules/openai"))
            << "the OpenAI SDK is not installed: run scripts/node-deps tests/node (scripts/test does)";
        llama_ = std::make_unique<test::LlamaServer>(
            test::tiny_model(), std::vector<std::string>{"-c", "4096", "-np", "2", "-fa", "off"});
    }
    std::unique_ptr<test::LlamaServer> llama_;
};

TEST_F(GatewayTest, AnswersPassUnchangedWhenNothingFlags) {
    const std::string yaml =
        "  input_policies: [never]\n  output_policies: [never]\n  input_threshold: 1.0\n";
    expect_scenario("pass-observe", llama_->url(), yaml, "pass", "observe");
    expect_scenario("pass-hold", llama_->url(), yaml, "pass", "hold");
}

TEST_F(GatewayTest, AFlagCutsTheStreamInBothReleaseModes) {
    const std::string yaml =
        "  input_policies: [never]\n  output_policies: [always]\n  input_threshold: 1.0\n";
    expect_scenario("cut-observe", llama_->url(), yaml, "cut", "observe");
    expect_scenario("cut-hold", llama_->url(), yaml, "cut", "hold");
}

// The gateway with the remote backend on the same llama-server it forwards to: its checks are
// completions-mode score requests there, pinned to the server for the stream's life.
TEST_F(GatewayTest, RunsOnTheRemoteBackend) {
    const std::vector<std::string> remote = {
        "--backend",       "remote",       "--endpoint",  llama_->url(),
        "--remote-engine", "llama-server", "--tokenizer", test::tiny_model().string()};
    expect_scenario("remote-pass", llama_->url(),
                    "  input_policies: [never]\n  output_policies: [never]\n  input_threshold: 1.0\n", "pass",
                    "hold", remote);
    expect_scenario("remote-cut", llama_->url(),
                    "  input_policies: [never]\n  output_policies: [always]\n  input_threshold: 1.0\n", "cut",
                    "observe", remote);
}

TEST(Gateway, FlaggedInputNeverReachesTheUpstream) {
    ASSERT_TRUE(std::filesystem::exists(node_dir() + "/node_modules/openai"));
    // Nothing listens there: a forwarded request would fail with 502.
    const std::string dead = "http://127.0.0.1:" + std::to_string(test::free_port());
    expect_scenario("input", dead,
                    "  input_policies: [never]\n  output_policies: [never]\n  input_threshold: 0.0\n",
                    "input", "observe");
}

TEST(Gateway, RefusesWhatItCannotForward) {
    const std::string dead = "http://127.0.0.1:" + std::to_string(test::free_port());
    const std::string config = test::write_config(
        "gateway-dead",
        "gateway:\n  input_policies: [never]\n  output_policies: [never]\n  input_threshold: 1.0\n");
    ServerProcess server(fresh_db("gateway-dead"),
                         {"--policies", test::certain_policies(), "--config", config, "--upstream", dead});
    const json messages = {{{"role", "user"}, {"content", "hi"}}};
    Reply r = post(server.port(), "/v1/chat/completions", {{"model", "m"}, {"messages", messages}});
    EXPECT_EQ(r.status, 502) << r.text;
    EXPECT_NE(test::error_message(r).find("did not answer"), std::string::npos) << r.text;
    r = post(server.port(), "/v1/chat/completions",
             {{"model", "m"}, {"messages", messages}, {"stream", true}});
    EXPECT_EQ(r.status, 502) << r.text;
    r = post(server.port(), "/v1/chat/completions", {{"model", "m"}, {"messages", json::array()}});
    EXPECT_EQ(r.status, 400) << r.text;
    r = post(server.port(), "/v1/chat/completions", {{"messages", {{{"content", "no role"}}}}});
    EXPECT_EQ(r.status, 400) << r.text;
    const test::CommandResult bad = test::run_command(
        test::built_binary("arbiter") + " serve --model " + test::tiny_model().string() + " --policies " +
        test::certain_policies() + " --upstream ftp://x --port 0 --db " + fresh_db_arg("gateway-bad"));
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("--upstream"), std::string::npos) << bad.output;
}

// An upstream that streams `chunks` deltas of `text`, one a millisecond, and counts how many it
// wrote before its client went away.
class FakeUpstream {
public:
    FakeUpstream(int chunks, std::string text) : chunks_(chunks), text_(std::move(text)) {
        server_.Post("/v1/chat/completions", [this](const httplib::Request&, httplib::Response& res) {
            res.set_chunked_content_provider("text/event-stream", [this](size_t, httplib::DataSink& sink) {
                for (int i = 0; i < chunks_; ++i) {
                    const json chunk = {{"id", "up"},
                                        {"object", "chat.completion.chunk"},
                                        {"choices", {{{"index", 0}, {"delta", {{"content", text_}}}}}}};
                    const std::string event = "data: " + chunk.dump() + "\n\n";
                    if (!sink.write(event.data(), event.size())) return false;
                    ++written_;
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                }
                const std::string last =
                    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                    "data: [DONE]\n\n";
                sink.write(last.data(), last.size());
                sink.done();
                return true;
            });
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
    }
    ~FakeUpstream() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    int written() const { return written_; }

private:
    const int chunks_;
    const std::string text_;
    httplib::Server server_;
    int port_ = 0;
    std::atomic<int> written_{0};
    std::thread thread_;
};

TEST(Gateway, ACutStopsTheUpstream) {
    FakeUpstream upstream(3000, "word ");
    const std::string config = test::write_config(
        "gateway-cut",
        "gateway:\n  input_policies: [never]\n  output_policies: [always]\n  input_threshold: 1.0\n");
    ServerProcess server(fresh_db("gateway-cut"), {"--policies", test::certain_policies(), "--config", config,
                                                   "--upstream", upstream.url()});
    const StreamedChat r = stream_chat(server.port());
    ASSERT_FALSE(r.events.empty());
    EXPECT_EQ(r.events.back()["choices"][0]["finish_reason"], "content_filter") << r.events.back().dump();
    // The upstream learns at its next write that nobody reads any more (3000 would take 3 s).
    for (int i = 0; i < 100 && upstream.written() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int written = upstream.written();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_LT(upstream.written(), 3000);
    EXPECT_LE(upstream.written(), written + 2) << "the upstream went on writing after the cut";
}

TEST(Gateway, TextThatCannotBeJudgedIsNeverReleased) {
    // Longer than the stream's sequence holds (--ctx 1024): the engine ends the stream part way.
    FakeUpstream upstream(400, "lorem ipsum dolor sit amet ");
    const std::string config = test::write_config(
        "gateway-long",
        "gateway:\n  input_policies: [never]\n  output_policies: [never]\n  input_threshold: 1.0\n");
    ServerProcess server(fresh_db("gateway-long"),
                         {"--policies", test::certain_policies(), "--config", config, "--upstream",
                          upstream.url(), "--release", "hold", "--ctx", "1024"});
    const StreamedChat r = stream_chat(server.port());
    ASSERT_FALSE(r.events.empty());
    EXPECT_TRUE(r.events.back().contains("error")) << r.events.back().dump();
    EXPECT_LT(r.content.size(), size_t{400} * 27) << "text past what was judged was released";
}

}  // namespace
}  // namespace arbiter
