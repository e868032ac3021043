// `arbiter serve` on remote llama-server processes over the token-id protocol: the surfaces that
// default to score mode (policy sets, /v1/moderations, Perspective) answer with the model's
// probabilities, content is counted by arbiter's tokenizer (413 before queueing), and /metrics
// names each server's jobs and cached tokens, where cache-aware routing keeps a policy on one.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/llama_server.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::metric;
using test::post;
using test::Reply;
using test::send;

TEST(ServiceRemote, ScoreSurfacesRunOnLlamaServerOverTokenIds) {
    ARBITER_NEED_LLAMA_SERVER();
    const std::vector<std::string> llama_args = {"-c", "8192", "-np", "2", "-fa", "off"};
    test::LlamaServer a(test::tiny_model(), llama_args);
    test::LlamaServer b(test::tiny_model(), llama_args);
    const std::string config = test::write_config("remote-tokens",
                                                  "perspective:\n"
                                                  "  attributes: {TOXICITY: spam}\n");
    test::ServerProcess server(test::fresh_db("remote-tokens"),
                               {"--policies", test::kPolicies, "--config", config, "--backend", "remote",
                                "--endpoint", a.url(), "--endpoint", b.url(), "--remote-engine",
                                "llama-server", "--tokenizer", test::tiny_model().string(), "--ctx", "4096"});

    for (int i = 0; i < 4; ++i) {
        const Reply r =
            post(server.port(), "/v1/classify",
                 {{"policies", {"spam"}}, {"content", "buy now " + std::to_string(i)}, {"mode", "score"}});
        ASSERT_EQ(r.status, 200) << r.text;
        EXPECT_EQ(r.body["verdicts"][0]["status"], "ok") << r.text;
        EXPECT_TRUE(r.body["verdicts"][0]["probability"].is_number());
    }
    const Reply moderation = post(server.port(), "/v1/moderations", {{"input", {"a", "b"}}});
    ASSERT_EQ(moderation.status, 200) << moderation.text;
    EXPECT_EQ(moderation.body["results"].size(), 2u);
    const Reply perspective = send(
        server.port(), "POST", "/v1alpha1/comments:analyze",
        json{{"comment", {{"text", "you fool"}}}, {"requestedAttributes", {{"TOXICITY", json::object()}}}}
            .dump());
    ASSERT_EQ(perspective.status, 200) << perspective.text;
    const double toxicity =
        perspective.body["attributeScores"]["TOXICITY"]["summaryScore"]["value"].get<double>();
    EXPECT_GT(toxicity, 0.0);
    EXPECT_LT(toxicity, 1.0);

    // Counted by arbiter's tokenizer against --ctx: a 413 before anything reaches a server.
    const Reply too_long =
        post(server.port(), "/v1/classify",
             {{"policies", {"spam"}}, {"content", std::string(6000, 'x')}, {"mode", "score"}});
    EXPECT_EQ(too_long.status, 413) << too_long.text;
    EXPECT_NE(too_long.text.find("content tokens"), std::string::npos) << too_long.text;
    EXPECT_EQ(too_long.text.find("about"), std::string::npos) << too_long.text;  // counted, not guessed

    // Jobs of one policy meet the server that evaluated its prefix before: it came from a cache.
    const std::string exposition = send(server.port(), "GET", "/metrics").text;
    const double jobs_a = metric(exposition, "arbiter_remote_server_jobs_total{server=\"" + a.url() + "\"}");
    const double jobs_b = metric(exposition, "arbiter_remote_server_jobs_total{server=\"" + b.url() + "\"}");
    // Every verdict logged was a job on one of the servers.
    EXPECT_EQ(jobs_a + jobs_b, send(server.port(), "GET", "/v1/decisions").body["decisions"].size());
    const std::string busier = jobs_a >= jobs_b ? a.url() : b.url();
    EXPECT_GT(
        metric(exposition, "arbiter_remote_server_tokens_total{server=\"" + busier + "\",kind=\"cached\"}"),
        0);
    EXPECT_EQ(metric(exposition, "arbiter_remote_server_up{server=\"" + a.url() + "\"}"), 1);
}

}  // namespace
}  // namespace arbiter
