// `arbiter serve` on remote llama-server processes over the token-id protocol: the surfaces that
// default to score mode (policy sets, /v1/moderations, Perspective) answer with the model's
// probabilities, content is counted by arbiter's tokenizer (413 before queueing), and /metrics
// names each server's jobs and cached tokens, where cache-aware routing keeps a policy on one;
// stream sessions whose checks equal the one-shot scores; the playground's reasoning in pieces.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/llama_server.h"
#include "support/server_process.h"
#include "support/service_client.h"
#include "support/sse_events.h"
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

// Stream sessions over HTTP on a remote llama-server: every check in the closed stream's series
// equals the one-shot score /v1/classify gives the response cut at its offset.
TEST(ServiceRemote, StreamSessionsRunOnLlamaServer) {
    ARBITER_NEED_LLAMA_SERVER();
    test::LlamaServer llama(test::tiny_model(), {"-c", "8192", "-np", "2", "-fa", "off"});
    test::ServerProcess server(
        test::fresh_db("remote-streams"),
        {"--policies", test::kPolicies, "--backend", "remote", "--endpoint", llama.url(), "--remote-engine",
         "llama-server", "--tokenizer", test::tiny_model().string(), "--streams", "2"});
    const std::string prompt = "Write a note to the neighbours.";
    const std::string response =
        "We are having a party on Saturday. Sorry for the noise; come over for cake!";
    const Reply opened =
        post(server.port(), "/v1/streams",
             {{"policies", {{{"id", "spam"}, {"check_every_tokens", 6}}}}, {"context", prompt}});
    ASSERT_EQ(opened.status, 201) << opened.text;
    const std::string id = opened.body["id"];
    for (size_t at = 0; at < response.size(); at += 9) {
        const Reply r =
            post(server.port(), "/v1/streams/" + id + "/append", {{"text", response.substr(at, 9)}});
        ASSERT_EQ(r.status, 200) << r.text;
    }
    const Reply closed = post(server.port(), "/v1/streams/" + id + "/close", json::object());
    ASSERT_EQ(closed.status, 200) << closed.text;
    EXPECT_EQ(closed.body["status"], "ok") << closed.text;
    const json& series = closed.body["verdicts"][0]["stream"]["series"];
    ASSERT_GE(series.size(), 3u) << closed.text;
    for (const json& point : series) {
        const size_t offset = point[0];
        const Reply one_shot =
            post(server.port(), "/v1/classify",
                 {{"policies", {"spam"}},
                  {"mode", "score"},
                  {"content", {{"prompt", prompt}, {"response", response.substr(0, offset)}}}});
        ASSERT_EQ(one_shot.status, 200) << one_shot.text;
        EXPECT_NEAR(one_shot.body["verdicts"][0]["probability"].get<double>(), point[1].get<double>(), 1e-5)
            << "at byte " << offset;
    }
}

// The console's playground on the remote backend: the reasoning arrives in pieces as llama-server
// writes it, and the pieces are the verdict's rationale. Five tokens: the random model's greedy
// text for this item stays printable that long (llama-server fails a reply, streamed or whole,
// whose text it cannot serialise).
TEST(ServiceRemote, ThePlaygroundStreamsTheServersReasoning) {
    ARBITER_NEED_LLAMA_SERVER();
    test::LlamaServer llama(test::tiny_model(), {"-c", "8192", "-np", "2", "-fa", "off"});
    test::ServerProcess server(
        test::fresh_db("remote-playground"),
        {"--policies", test::kPolicies, "--backend", "remote", "--endpoint", llama.url(), "--remote-engine",
         "llama-server", "--tokenizer", test::tiny_model().string(), "--max-reasoning-tokens", "5"});
    const Reply r = post(server.port(), "/v1/playground",
                         {{"content", {{"text", "Buy cheap followers now!"}}},
                          {"runs", {{{"policy", "spam"}}}},
                          {"mode", "reason"}});
    ASSERT_EQ(r.status, 200) << r.text;
    std::string reasoning;
    int pieces = 0;
    json verdict;
    for (const test::SseEvent& e : test::parse_sse(r.text)) {
        if (e.name == "reasoning") {
            reasoning += e.data["text"].get<std::string>();
            ++pieces;
        }
        if (e.name == "verdict") verdict = e.data["verdict"];
    }
    ASSERT_TRUE(verdict.is_object()) << r.text;
    EXPECT_NE(verdict["status"], "error") << verdict.dump();
    EXPECT_GT(pieces, 1) << r.text;
    EXPECT_EQ(reasoning, verdict["rationale"]) << r.text;
}

}  // namespace
}  // namespace arbiter
