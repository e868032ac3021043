// OpenAI's Guardrails (@openai/guardrails, pinned in tests/node) against `arbiter serve`, with no
// change to its code: its Moderation check hard-codes omni-moderation-latest and reads
// `categories.<OpenAI key>`, which a set's aliases and category keys serve, and it must never fall
// back to OpenAI's API with the content (tests/node/guardrails.mjs traps that fallback).

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "support/server_process.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

TEST(Service, OpenAIGuardrailsModerationCheck) {
    const std::string node_dir = std::string(ARBITER_SOURCE_DIR) + "/tests/node";
    ASSERT_TRUE(std::filesystem::exists(node_dir + "/node_modules/@openai/guardrails"))
        << "@openai/guardrails is not installed: run scripts/node-deps tests/node (scripts/test does)";
    const std::string keys = (test::scratch_dir() / "guardrails-keys.txt").string();
    std::filesystem::remove(keys);
    const test::CommandResult made = test::run_command(
        test::built_binary("arbiter") + " apikey --name guardrails --role classify --file " + keys);
    std::smatch key;
    ASSERT_TRUE(std::regex_search(made.output, key, std::regex("arb_[A-Za-z0-9_-]{43}"))) << made.output;
    // Threshold 0 flags every category the set serves, so the check's tripwire is known whatever
    // the test model's random weights say.
    const std::string config = test::write_config("guardrails", R"(
policy_sets:
  guardrails:
    policies: [hate-speech, self-harm, spam]
    threshold: 0
    aliases: [omni-moderation-latest]
    categories:
      hate-speech: [hate, hate/threatening]
      self-harm: [self-harm, self-harm/intent]
      spam: illicit
)");
    test::ServerProcess server(test::fresh_db("guardrails"),
                               {"--policies", test::kPolicies, "--api-keys", keys, "--config", config});
    const test::CommandResult run = test::run_command(
        "node " + node_dir + "/guardrails.mjs http://127.0.0.1:" + std::to_string(server.port()) + "/v1 " +
        key.str());
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("openai guardrails: ok"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace arbiter
