// The guarded chat gateway (serve --upstream) in front of a real llama-server serving the
// generated model, driven by OpenAI's Node SDK (tests/node/gateway.mjs): answers pass unchanged
// when nothing flags, a flag cuts a stream with content_filter in both release modes, and flagged
// input never reaches the upstream. Policies that always or never flag make the outcome certain
// whatever the random weights say: every P(violation) is >= 0 and < 1.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/llama_server.h"
#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::fresh_db;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;

std::string gateway_policies() {
    const std::filesystem::path dir = test::scratch_dir() / "gateway-policies";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "always.md")
        << "---\nid: always\nstream: {check_every_tokens: 4, threshold: 0.0}\n---\n"
           "# Everything\nFlag any text at all.\n";
    std::ofstream(dir / "never.md")
        << "---\nid: never\nstream: {check_every_tokens: 4, threshold: 1.0}\n---\n"
           "# Nothing\nFlag nothing.\n";
    return dir.string();
}

std::string node_dir() {
    return std::string(ARBITER_SOURCE_DIR) + "/tests/node";
}

// Runs the SDK scenario against a gateway configured with `gateway_yaml` in front of `upstream`.
void expect_scenario(const std::string& name, const std::string& upstream, const std::string& gateway_yaml,
                     const std::string& scenario, const std::string& release) {
    SCOPED_TRACE(name);
    const std::string config = test::write_config("gateway-" + name, "gateway:\n" + gateway_yaml);
    ServerProcess server(fresh_db("gateway-" + name), {"--policies", gateway_policies(), "--config", config,
                                                       "--upstream", upstream + "/v1", "--release", release});
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
                         {"--policies", gateway_policies(), "--config", config, "--upstream", dead});
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
        gateway_policies() + " --upstream ftp://x --port 0 --db " + fresh_db("gateway-bad").string());
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("--upstream"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace arbiter
