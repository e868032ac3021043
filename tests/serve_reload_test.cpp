// SIGHUP to `arbiter serve` (cli/serve_reload.h): the policy folder, the configuration's policy
// sets and limits, and the keys file are read again while a request is in flight; what takes a
// restart is named in the log; a reload that finds a bad file changes nothing.

#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/within.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;
using test::within;

void write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
}

json items(int n) {
    json list = json::array();
    for (int i = 0; i < n; ++i) list.push_back({{"content", "item " + std::to_string(i)}});
    return list;
}

class Reload : public ::testing::Test {
protected:
    Reload() : dir_(test::scratch_dir() / "reload") {
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_ / "policies");
        std::filesystem::copy_file(test::kPolicies + "/spam.md", dir_ / "policies" / "spam.md");
        write(config(), "server:\n  max_items: 4\n");
        ops_ = test::new_api_key(keys().string(), "ops", "admin");
        server_ = std::make_unique<ServerProcess>(
            test::fresh_db("reload"),
            std::vector<std::string>{"--policies", (dir_ / "policies").string(), "--config",
                                     config().string(), "--api-keys", keys().string()});
    }
    std::filesystem::path config() const { return dir_ / "arbiter.yaml"; }
    std::filesystem::path keys() const { return dir_ / "keys.txt"; }
    int classify(int n, const std::string& key, const std::string& mode = "score") const {
        return post(server_->port(), "/v1/classify",
                    {{"policies", {"spam"}}, {"items", items(n)}, {"mode", mode}}, key)
            .status;
    }
    // Sends SIGHUP and waits for the reload's last line in the log.
    void hangup(const std::string& last_line) const {
        const size_t before = count(last_line);
        kill(server_->pid(), SIGHUP);
        EXPECT_TRUE(within(std::chrono::seconds(10), [&] { return count(last_line) > before; }))
            << server_->log();
    }
    size_t count(const std::string& text) const {
        const std::string log = server_->log();
        size_t n = 0;
        for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
        return n;
    }

    std::filesystem::path dir_;
    std::string ops_;
    std::unique_ptr<ServerProcess> server_;
};

TEST_F(Reload, SighupReadsPoliciesSettingsAndKeysAgainWithoutDroppingARequest) {
    EXPECT_EQ(classify(3, ops_), 200);
    EXPECT_EQ(classify(5, ops_), 413);
    EXPECT_EQ(send(server_->port(), "GET", "/v1/policies/hate-speech", "", ops_).status, 404);

    std::filesystem::copy_file(test::kPolicies + "/hate-speech.md", dir_ / "policies" / "hate-speech.md");
    write(config(),
          "server:\n  max_items: 2\n  queue_depth: 8\npolicy_sets:\n  hate-only:\n    policies: "
          "[hate-speech]\n");
    const std::string bot = test::new_api_key(keys().string(), "bot", "admin");
    EXPECT_EQ(classify(1, bot), 401);
    // A slow request in flight while the reload happens.
    auto in_flight = std::async(std::launch::async, [&] { return classify(2, ops_, "reason"); });
    hangup("keys reloaded");
    EXPECT_EQ(in_flight.get(), 200);

    EXPECT_EQ(send(server_->port(), "GET", "/v1/policies/hate-speech", "", ops_).status, 200);
    EXPECT_EQ(classify(3, ops_), 413);
    EXPECT_EQ(classify(2, bot), 200);
    const Reply hate =
        post(server_->port(), "/v1/moderations", {{"model", "hate-only"}, {"input", "hello"}}, ops_);
    EXPECT_EQ(hate.status, 200) << hate.text;
    EXPECT_NE(server_->log().find("server.queue_depth changed: it takes effect at the next start"),
              std::string::npos)
        << server_->log();

    // A configuration that does not parse: nothing changes, and the log says why.
    write(config(), "server:\n  max_items: [\n");
    hangup("nothing was reloaded");
    EXPECT_EQ(classify(2, ops_), 200);
    EXPECT_EQ(classify(3, ops_), 413);
    // A policy set naming a policy nobody has: the settings in force are kept.
    write(config(), "server:\n  max_items: 9\npolicy_sets:\n  x:\n    policies: [nobody]\n");
    hangup("the settings in force are kept");
    EXPECT_EQ(classify(3, ops_), 413);
}

}  // namespace
}  // namespace arbiter
