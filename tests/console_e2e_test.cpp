// The review console end to end: a real `arbiter serve` on the tiny model with API keys, driven
// in Debian's chromium by tests/console/e2e.mjs (Playwright, axe-core). Its screenshots land in
// the build folder's console-screenshots/. Missing node, chromium or the test's npm packages is a
// failure, never a skip: CI must not pass without the browser run.

#include <gtest/gtest.h>

#include <filesystem>

#include "support/fleet.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

std::string e2e_dir() {
    return std::string(ARBITER_SOURCE_DIR) + "/tests/console";
}

TEST(ConsoleEndToEnd, WritesLintsSavesAndDiffsAPolicyInChromium) {
    const char* chromium = std::getenv("ARBITER_CHROMIUM");
    const std::string browser = chromium ? chromium : "/usr/bin/chromium";
    ASSERT_TRUE(std::filesystem::exists(browser))
        << browser << " is missing: install Debian's chromium (scripts/deps does) or set ARBITER_CHROMIUM";
    ASSERT_EQ(test::run_command("node --version").exit_code, 0)
        << "node is missing (scripts/deps installs it)";
    ASSERT_TRUE(std::filesystem::exists(e2e_dir() + "/node_modules/playwright-core"))
        << "Playwright is not installed: run scripts/node-deps tests/console (scripts/test does)";

    const std::string keys = (test::scratch_dir() / "console-e2e-keys.txt").string();
    std::filesystem::remove(keys);
    const std::string admin = test::new_api_key(keys, "ops", "admin");
    const std::string review = test::new_api_key(keys, "rita", "review");
    test::ServerProcess server(test::fresh_db("console-e2e"),
                               {"--policies", test::kPolicies, "--api-keys", keys,
                                // The playground's reason-mode run stays short under sanitizers too.
                                "--max-reasoning-tokens", "64"});
    const std::filesystem::path shots =
        std::filesystem::path(ARBITER_BIN_DIR).parent_path() / "console-screenshots";
    std::filesystem::remove_all(shots);
    test::ServerProcess keyless(test::fresh_db("console-e2e-open"), {"--policies", test::kPolicies});
    const test::CommandResult run = test::run_command(
        "node " + e2e_dir() + "/e2e.mjs http://127.0.0.1:" + std::to_string(server.port()) + " " + admin +
        " " + review + " " + shots.string() + " http://127.0.0.1:" + std::to_string(keyless.port()));
    EXPECT_EQ(run.exit_code, 0) << run.output << "\n--- server log:\n" << server.log();
    EXPECT_NE(run.output.find("console e2e: ok"), std::string::npos) << run.output;
    for (const char* page :
         {"01-sign-in", "03-policies", "05-editor-lint-warning", "07-policy-diff", "08-editor-conflict",
          "09-review-role", "10-no-keys", "12-playground", "12-playground-reason", "12-playground-score",
          "13-decisions", "13-decisions-detail"})
        EXPECT_TRUE(std::filesystem::exists(shots / (std::string(page) + ".png"))) << page;
    // The review sections' pages (tests/console/review_steps.mjs).
    for (const char* page :
         {"14-queue-no-rules", "14-queue-rules", "14-queue-overview", "14-queue-reviewed", "15-review-item",
          "15-review-saved", "15-review-second-opinion", "15-review-disagreement", "16-sets", "17-run-new",
          "17-run-results", "17-run-promoted", "18-shadow", "17-runs", "19-activity"})
        EXPECT_TRUE(std::filesystem::exists(shots / (std::string(page) + ".png"))) << page;
}

// A fleet on one PostgreSQL database (support/fleet.h): the console signed in on instance a finds a
// decision made through instance b (tests/console/fleet.mjs).
using test::Fleet;

TEST_F(Fleet, TheConsoleOfOneInstanceShowsADecisionMadeByAnother) {
    ASSERT_TRUE(std::filesystem::exists(e2e_dir() + "/node_modules/playwright-core"))
        << "Playwright is not installed: run scripts/node-deps tests/console (scripts/test does)";
    std::string review;
    start("fleet-console", [&] { review = apikey("--name rita --role review"); });
    const std::filesystem::path shots =
        std::filesystem::path(ARBITER_BIN_DIR).parent_path() / "console-screenshots-fleet";
    std::filesystem::remove_all(shots);
    const test::CommandResult run = test::run_command(
        "node " + e2e_dir() + "/fleet.mjs http://127.0.0.1:" + std::to_string(port(0)) +
        " http://127.0.0.1:" + std::to_string(port(1)) + " " + review + " " + shots.string());
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("console fleet e2e: ok"), std::string::npos) << run.output;
    EXPECT_TRUE(std::filesystem::exists(shots / "20-fleet-decision.png"));
}

}  // namespace
}  // namespace arbiter
