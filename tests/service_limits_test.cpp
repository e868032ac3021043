// `arbiter serve` over real HTTP at its limits: what it refuses to start with, request sizes
// (413), a full queue (429), deadlines (504 or the policy set's verdict for timeouts, embedded
// and remote) and draining what is in flight on SIGTERM.

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/llama_server.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::ServerProcess;

using test::error_message;
using test::fresh_db;
using test::fresh_db_arg;
using test::kPolicies;
using test::metric;
using test::post;
using test::Reply;
using test::send;
using test::wait_for_queue_depth;
using test::write_config;

TEST(Service, RefusesToListenBeyondLoopbackWithoutKeys) {
    const test::CommandResult r = test::run_command(test::built_binary("arbiter") + " serve --model " +
                                                    test::tiny_model().string() + " --policies " + kPolicies +
                                                    " --host 0.0.0.0 --port 0 --db " + fresh_db_arg("open"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("only listens on loopback"), std::string::npos) << r.output;
}

TEST(Service, BadStartupInputIsAClearError) {
    const std::string bin = test::built_binary("arbiter") + " serve --model " + test::tiny_model().string() +
                            " --port 0 --db " + fresh_db_arg("startup");
    const std::string bad_keys = test::write_file("bad-keys.txt", "app classify nothex\n");
    test::CommandResult r = test::run_command(bin + " --policies " + kPolicies + " --api-keys " + bad_keys);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("bad-keys.txt:1: the key's sha256"), std::string::npos) << r.output;

    const std::string config = write_config("typo", "server:\n  queue_dept: 5\n");
    r = test::run_command(bin + " --policies " + kPolicies + " --config " + config);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("typo.yaml:2: unknown key 'queue_dept'"), std::string::npos) << r.output;

    const std::string set = write_config("set", "policy_sets:\n  main:\n    policies: [spam, nope]\n");
    r = test::run_command(bin + " --policies " + kPolicies + " --config " + set);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("names policy 'nope'"), std::string::npos) << r.output;
}

TEST(Service, SizeLimitsAnswer413) {
    const std::string config =
        write_config("limits", "server:\n  max_body_bytes: 4096\n  max_items: 2\n  max_content_tokens: 40\n");
    ServerProcess server(fresh_db("limits"), {"--policies", kPolicies, "--config", config});
    const int port = server.port();

    const Reply big =
        post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", std::string(5000, 'a')}});
    EXPECT_EQ(big.status, 413) << big.text;
    EXPECT_EQ(big.body["error"]["type"], "request_too_large") << big.text;

    const json three = {{"policies", {"spam"}},
                        {"items", {{{"content", "a"}}, {{"content", "b"}}, {{"content", "c"}}}},
                        {"mode", "score"}};
    const Reply many = post(port, "/v1/classify", three);
    EXPECT_EQ(many.status, 413);
    EXPECT_NE(error_message(many).find("at most 2 items"), std::string::npos) << many.text;
    EXPECT_EQ(post(port, "/v1/moderations", {{"input", {"a", "b", "c"}}}).status, 413);

    // Tokens are counted with the model's own tokenizer: 100 words are far over 40 tokens.
    std::string words;
    for (int i = 0; i < 100; ++i) words += "word" + std::to_string(i) + " ";
    const Reply long_item =
        post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", words}, {"mode", "score"}});
    EXPECT_EQ(long_item.status, 413);
    EXPECT_NE(error_message(long_item).find("the limit is 40"), std::string::npos) << long_item.text;
    EXPECT_EQ(
        post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", "short"}, {"mode", "score"}}).status,
        200);
}

TEST(Service, FullQueueAnswers429) {
    const std::string config =
        write_config("queue", "server:\n  queue_depth: 1\n  max_content_tokens: 60000\n");
    ServerProcess server(fresh_db("queue"), {"--policies", kPolicies, "--config", config, "--ctx", "65536"});
    const int port = server.port();

    // Two jobs never fit a queue of one: no retry helps, so it is a 413 naming the limit.
    const Reply two = post(port, "/v1/classify",
                           {{"policies", {"spam", "self-harm"}}, {"content", "x"}, {"mode", "score"}});
    EXPECT_EQ(two.status, 413);
    EXPECT_NE(error_message(two).find("queue_depth 1"), std::string::npos) << two.text;

    // One slow job (a 3,000-token prompt) holds the only slot; a request meanwhile is refused,
    // not queued.
    auto slow = std::async(std::launch::async, [&] {
        return post(port, "/v1/classify",
                    {{"policies", {"self-harm"}}, {"content", std::string(3000, 'z')}, {"mode", "score"}});
    });
    ASSERT_TRUE(wait_for_queue_depth(port, 1));
    const Reply refused =
        post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", "y"}, {"mode", "score"}});
    EXPECT_EQ(refused.status, 429);
    EXPECT_EQ(refused.headers.find("Retry-After")->second, "1");
    EXPECT_NE(error_message(refused).find("the queue is full"), std::string::npos) << refused.text;
    EXPECT_EQ(slow.get().status, 200);
    // Once it is answered, the slot is free again.
    EXPECT_EQ(
        post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", "y"}, {"mode", "score"}}).status,
        200);
    EXPECT_EQ(metric(send(port, "GET", "/metrics").text,
                     R"(arbiter_http_requests_total{endpoint="/v1/classify",status="429"})"),
              1);
}

// A request past its deadline is a 504, or the verdict the policy set configures for timeouts,
// whichever backend serve runs on. `backend` are serve's flags for it.
void expect_deadlines_give_504_or_the_configured_verdict(const std::string& name,
                                                         const std::vector<std::string>& backend) {
    const std::string config =
        write_config(name,
                     "server:\n  request_timeout_ms: 100\n  max_content_tokens: 60000\n"
                     "policy_sets:\n"
                     "  closed: {policies: [spam], on_timeout: fail_closed}\n"
                     "  open: {policies: [spam], on_timeout: fail_open}\n");
    std::vector<std::string> args = {"--policies", kPolicies, "--config", config};
    args.insert(args.end(), backend.begin(), backend.end());
    ServerProcess server(fresh_db(name), args);
    const int port = server.port();
    // About 40,000 prompt tokens: far more than 100 ms of work for the tiny model.
    const std::string slow(40000, 'q');
    const Reply late =
        post(port, "/v1/classify", {{"policies", {"spam"}}, {"content", slow}, {"mode", "score"}});
    EXPECT_EQ(late.status, 504) << late.text;
    EXPECT_EQ(late.body["error"]["type"], "timeout_error");

    const Reply closed = post(port, "/v1/moderations", {{"input", slow}, {"model", "closed"}});
    ASSERT_EQ(closed.status, 200) << closed.text;
    EXPECT_EQ(closed.body["results"][0]["flagged"], true);
    EXPECT_EQ(closed.body["results"][0]["verdicts"][0]["status"], "timeout");
    const Reply open = post(port, "/v1/moderations", {{"input", slow}, {"model", "open"}});
    ASSERT_EQ(open.status, 200) << open.text;
    EXPECT_EQ(open.body["results"][0]["flagged"], false);
    EXPECT_EQ(open.body["results"][0]["verdicts"][0]["status"], "timeout");

    // Timeouts are logged like every other verdict.
    const Reply log = send(port, "GET", "/v1/decisions");
    ASSERT_EQ(log.body["decisions"].size(), 3u);
    for (const json& d : log.body["decisions"]) EXPECT_EQ(d["verdict"]["status"], "timeout");
}

TEST(Service, DeadlinesGive504OrTheConfiguredVerdict) {
    expect_deadlines_give_504_or_the_configured_verdict("deadline", {"--ctx", "65536"});
}

TEST(Service, DeadlinesOnARemoteLlamaServerAreTimeoutsToo) {
    ARBITER_NEED_LLAMA_SERVER();
    test::LlamaServer llama(test::tiny_model(), {"-c", "65536", "-np", "1", "-fa", "off"});
    expect_deadlines_give_504_or_the_configured_verdict(
        "deadline-remote", {"--backend", "remote", "--endpoint", llama.url(), "--remote-mode", "raw"});
}

TEST(Service, SigtermDrainsRequestsInFlight) {
    const auto db = fresh_db("drain");
    const std::string config = write_config("drain", "server:\n  max_content_tokens: 60000\n");
    ServerProcess server(db, {"--policies", kPolicies, "--config", config, "--ctx", "65536"});
    const int port = server.port();
    auto in_flight = std::async(std::launch::async, [&] {
        return post(port, "/v1/classify",
                    {{"policies", {"self-harm"}}, {"content", std::string(3000, 'w')}, {"mode", "score"}});
    });
    // Once the request is being handled (the queue gauge shows its job), stop.
    ASSERT_TRUE(wait_for_queue_depth(port, 1));
    kill(server.pid(), SIGTERM);
    const Reply answered = in_flight.get();
    EXPECT_EQ(answered.status, 200) << answered.text;
    EXPECT_EQ(answered.body["verdicts"][0]["status"], "ok");
    EXPECT_EQ(server.stop(), 0) << server.log();
    EXPECT_NE(server.log().find("SIGTERM: finishing the requests in flight"), std::string::npos);
    // Nothing acknowledged is lost: the verdict is in the log on disk.
    ServerProcess reader(db, {"--policies", kPolicies});
    const Reply log = send(reader.port(), "GET", "/v1/decisions");
    ASSERT_EQ(log.body["decisions"].size(), 1u);
    EXPECT_EQ(log.body["decisions"][0]["request_id"], answered.body["request_id"]);
    // A second server on the same port is refused, not silently sharing it.
    const test::CommandResult clash = test::run_command(
        test::built_binary("arbiter") + " serve --model " + test::tiny_model().string() + " --policies " +
        kPolicies + " --port " + std::to_string(reader.port()) + " --db " + fresh_db_arg("clash"));
    EXPECT_EQ(clash.exit_code, 2);
    EXPECT_NE(clash.output.find("cannot listen"), std::string::npos) << clash.output;
}

}  // namespace
}  // namespace arbiter
