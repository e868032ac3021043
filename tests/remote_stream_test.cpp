// Stream sessions on the remote backend. Against real llama-server processes: each check equals
// the same server's one-shot score of the response cut at its offset, and the embedded engine's
// check at the same offset (both protocols that score: completions and raw); a stream's checks
// stay on one server, whose prompt cache holds the prompt so far. Against the vLLM stand-in
// (support/engine_standin.h): the decisions, limits, expiry and shutdown.

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "llama/embedded_engine.h"
#include "llama/tokenizer_file.h"
#include "remote/remote_backend.h"
#include "remote/remote_engine.h"
#include "support/engine_standin.h"
#include "support/example_policy.h"
#include "support/llama_server.h"
#include "support/remote_jobs.h"
#include "support/stream_run.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using remote::RemoteBackend;
using remote::RemoteMode;
using remote::RemoteOptions;
using test::long_response;
using test::one_shot;
using test::stream;
using test::StreamRun;
constexpr auto example = test::example_policy;

StreamSpec spam_stream(int check_every) {
    StreamSpec spec;
    spec.policies = {{.policy = example("spam"), .check_every_tokens = check_every}};
    spec.context = Content::completion("Write something long.", "");
    return spec;
}

RemoteOptions stream_options(const std::vector<std::string>& urls, RemoteMode mode,
                             const std::string& model) {
    RemoteOptions o = test::llama_server_options(urls, mode);
    o.extra_request_fields = nlohmann::json::object();
    o.engine = remote::RemoteEngine::llama_server;
    o.tokenizer = engine::load_tokenizer(model);
    o.streams = 4;
    return o;
}

engine::EngineOptions embedded_options() {
    engine::EngineOptions e;
    e.model = test::tiny_model();
    e.threads = 1;
    e.parallel = 2;
    e.context = 4096;
    e.streams = 2;
    return e;
}

TEST(RemoteStreamLlamaServer, ChecksEqualTheServersOneShotScoresAndTheEmbeddedEngines) {
    ARBITER_NEED_LLAMA_SERVER();
    // Two servers: a stream's checks must all go to one of them.
    test::LlamaServer a(test::tiny_model(), {"-c", "4096", "-np", "1", "-fa", "off"});
    test::LlamaServer b(test::tiny_model(), {"-c", "4096", "-np", "1", "-fa", "off"});
    const std::string response = long_response(400, 3);
    StreamRun embedded_run;
    {
        engine::EmbeddedEngine embedded(embedded_options());
        embedded_run = stream(embedded, spam_stream(16), response, 13, 5);
    }
    ASSERT_TRUE(embedded_run.end.ok) << embedded_run.end.error;
    for (const RemoteMode mode : {RemoteMode::completions, RemoteMode::raw}) {
        SCOPED_TRACE(remote::mode_name(mode));
        RemoteBackend backend(stream_options({a.url(), b.url()}, mode, test::tiny_model()));
        const StreamRun run = stream(backend, spam_stream(16), response, 13, 5);  // the same chunks
        ASSERT_TRUE(run.end.ok) << run.end.error;
        ASSERT_EQ(run.checks.size(), embedded_run.checks.size());
        ASSERT_GE(run.checks.size(), 8u);
        EXPECT_EQ(run.checks.back().offset_bytes, response.size());
        EXPECT_EQ(run.end.response_tokens, embedded_run.end.response_tokens);

        const std::vector<Verdict> expected =
            one_shot(backend, example("spam"), "Write something long.", response, run.checks);
        for (size_t i = 0; i < run.checks.size(); ++i) {
            const StreamCheck& c = run.checks[i];
            EXPECT_EQ(c.offset_bytes, embedded_run.checks[i].offset_bytes) << i;
            EXPECT_EQ(c.offset_tokens, embedded_run.checks[i].offset_tokens) << i;
            EXPECT_NEAR(c.probability, expected[i].probability.value_or(-1), 1e-5) << i;
            EXPECT_NEAR(c.probability, embedded_run.checks[i].probability, 1e-5) << i;
        }
        // One server took every check (and, after them, the one-shot jobs went anywhere).
        const std::vector<ServerLoad> loads = backend.server_loads();
        const uint64_t jobs = loads[0].jobs + loads[1].jobs;
        EXPECT_EQ(jobs, run.checks.size() * 2);
        // The server's cache held the prompt up to the previous check: far fewer tokens computed
        // than a prompt per check. The cost per response token is printed for bench/RESULTS.md.
        EXPECT_GT(run.end.cached_tokens, 0);
        const double per_token =
            static_cast<double>(run.end.prompt_tokens) / static_cast<double>(run.end.response_tokens);
        std::printf(
            "remote stream (%s): %d response tokens, %zu checks, %d prompt tokens computed, %d cached: "
            "%.2f computed per response token\n",
            std::string(remote::mode_name(mode)).c_str(), run.end.response_tokens, run.checks.size(),
            run.end.prompt_tokens, run.end.cached_tokens, per_token);
        EXPECT_LT(run.end.prompt_tokens, run.end.cached_tokens);
    }
}

TEST(RemoteStreamLlamaServer, AStreamsChecksStayOnOneServer) {
    ARBITER_NEED_LLAMA_SERVER();
    test::LlamaServer a(test::tiny_model(), {"-c", "4096", "-np", "2", "-fa", "off"});
    test::LlamaServer b(test::tiny_model(), {"-c", "4096", "-np", "2", "-fa", "off"});
    RemoteBackend backend(stream_options({a.url(), b.url()}, RemoteMode::completions, test::tiny_model()));
    const StreamRun run = stream(backend, spam_stream(8), long_response(200, 9), 7, 2);
    ASSERT_TRUE(run.end.ok) << run.end.error;
    const std::vector<ServerLoad> loads = backend.server_loads();
    EXPECT_EQ(std::min(loads[0].jobs, loads[1].jobs), 0u);
    EXPECT_EQ(loads[0].jobs + loads[1].jobs, run.checks.size());
}

// The vLLM stand-in scores every check 0.75.
class RemoteStreamStandin : public ::testing::Test {
protected:
    RemoteStreamStandin()
        : standin_(test::StandinEngine::vllm, engine::load_tokenizer(test::tiny_o200k_model())) {}
    RemoteOptions options(int streams) const {
        RemoteOptions o;
        o.endpoints = {standin_.url()};
        o.engine = remote::RemoteEngine::vllm;
        o.mode = RemoteMode::completions;
        o.tokenizer = engine::load_tokenizer(test::tiny_o200k_model());
        o.streams = streams;
        return o;
    }
    test::EngineStandin standin_;
};

StreamError::Code code(const std::function<void()>& f) {
    try {
        f();
    } catch (const StreamError& e) {
        return e.code();
    }
    ADD_FAILURE() << "no StreamError";
    return StreamError::Code::unknown;
}

TEST_F(RemoteStreamStandin, DecisionsFollowThresholdAndConsecutiveChecks) {
    RemoteBackend backend(options(4));
    StreamSpec spec = spam_stream(4);
    spec.policies.push_back({.policy = example("hate-speech"), .check_every_tokens = 4, .threshold = 0.9});
    spec.policies[0].consecutive = 2;
    const StreamRun run = stream(backend, spec, long_response(120, 1), 9, 3);
    ASSERT_TRUE(run.end.ok) << run.end.error;
    ASSERT_EQ(run.end.policies.size(), 2u);
    const StreamPolicyResult& spam = run.end.policies[0];
    EXPECT_TRUE(spam.flagged);  // 0.75 >= 0.5 twice in a row: at the second check
    std::vector<size_t> spam_offsets;
    for (const StreamCheck& c : run.checks) {
        if (c.policy == 0) spam_offsets.push_back(c.offset_bytes);
        if (c.policy == 1) {
            EXPECT_EQ(c.state, CheckState::pass);
        }
    }
    ASSERT_GE(spam_offsets.size(), 3u);
    EXPECT_EQ(spam.flagged_at_bytes, spam_offsets[1]);
    EXPECT_FALSE(run.end.policies[1].flagged);
    EXPECT_DOUBLE_EQ(run.end.policies[1].max_probability, 0.75);
    for (const StreamCheck& c : run.checks) EXPECT_DOUBLE_EQ(c.probability, 0.75);
}

TEST_F(RemoteStreamStandin, LimitsAndEndedStreamsAreClearErrors) {
    EXPECT_EQ(code([&] { RemoteBackend(options(0)).open_stream(spam_stream(4), {}); }),
              StreamError::Code::unsupported);
    RemoteBackend backend(options(2));
    StreamSpec three = spam_stream(4);
    three.policies.push_back(three.policies[0]);
    three.policies.push_back(three.policies[0]);
    EXPECT_EQ(code([&] { backend.open_stream(three, {}); }), StreamError::Code::never_fits);
    StreamSpec two = spam_stream(4);
    two.policies.push_back(two.policies[0]);
    const StreamId id = backend.open_stream(two, {});
    EXPECT_EQ(code([&] { backend.open_stream(spam_stream(4), {}); }), StreamError::Code::limit);
    EXPECT_EQ(code([&] { backend.append_stream(id, "\xff"); }), StreamError::Code::bad_input);
    EXPECT_EQ(code([&] { backend.append_stream(id + 7, "x"); }), StreamError::Code::unknown);
    backend.close_stream(id);
    EXPECT_EQ(code([&] { backend.close_stream(id); }), StreamError::Code::ended);
    StreamSpec message = spam_stream(4);
    message.context = Content::message("not a completion");
    EXPECT_EQ(code([&] { backend.open_stream(message, {}); }), StreamError::Code::bad_input);
}

TEST_F(RemoteStreamStandin, AnIdleStreamExpiresAndFreesItsLanes) {
    RemoteOptions o = options(1);
    o.stream_idle_timeout_ms = 100;
    RemoteBackend backend(o);
    std::promise<StreamEnd> ended;
    StreamEvents events;
    events.end = [&ended](StreamEnd e) { ended.set_value(std::move(e)); };
    const StreamId id = backend.open_stream(spam_stream(4), events);
    backend.append_stream(id, "hello there");
    const StreamEnd e = ended.get_future().get();
    EXPECT_FALSE(e.ok);
    EXPECT_NE(e.error.find("expired"), std::string::npos) << e.error;
    EXPECT_EQ(code([&] { backend.append_stream(id, "x"); }), StreamError::Code::ended);
    backend.close_stream(backend.open_stream(spam_stream(4), {}));  // its lane is free again
}

TEST_F(RemoteStreamStandin, AStreamOverTheServersContextEndsWithAnError) {
    RemoteOptions o = options(1);
    o.context_tokens = 1200;
    RemoteBackend backend(o);
    const StreamRun run = stream(backend, spam_stream(64), long_response(6000, 2), 50, 1);
    EXPECT_FALSE(run.end.ok);
    EXPECT_NE(run.end.error.find("too long"), std::string::npos) << run.end.error;
}

TEST_F(RemoteStreamStandin, ShutdownEndsOpenStreams) {
    std::promise<StreamEnd> ended;
    {
        RemoteBackend backend(options(1));
        StreamEvents events;
        events.end = [&ended](StreamEnd e) { ended.set_value(std::move(e)); };
        backend.append_stream(backend.open_stream(spam_stream(1), events), "some words to check");
    }
    const StreamEnd e = ended.get_future().get();
    EXPECT_FALSE(e.ok);
    EXPECT_NE(e.error.find("shut down"), std::string::npos) << e.error;
}

}  // namespace
}  // namespace arbiter
