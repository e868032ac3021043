// The remote backend against real llama-server processes (built from the same llama.cpp source)
// serving the generated tiny model: chat and raw mode, score mode, what reaches the model when
// content spells harmony tokens, and failover when a server dies mid-run.
//
// Where a test needs generated text, it keeps the random model's text valid UTF-8
// (support/remote_jobs.h).

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <regex>
#include <set>

#include "core/content_layout.h"
#include "core/policy_file.h"
#include "harmony/classification.h"
#include "harmony/special_tokens.h"
#include "llama/embedded_engine.h"
#include "llama/tokenizer_file.h"
#include "remote/chat_exchange.h"
#include "remote/http_request.h"
#include "remote/raw_exchange.h"
#include "remote/remote_backend.h"
#include "remote/remote_engine.h"
#include "support/llama_server.h"
#include "support/remote_jobs.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using remote::RemoteBackend;
using remote::RemoteMode;
using remote::RemoteOptions;
using test::LlamaServer;

using test::classify_all;
using test::kForged;

Job job(const std::string& text, Mode mode = Mode::reason) {
    return test::spam_job(text, mode);
}

std::vector<std::string> server_args() {
    return test::llama_server_args();
}

RemoteOptions options_for(const std::vector<std::string>& urls, RemoteMode mode) {
    return test::llama_server_options(urls, mode);
}

remote::Post direct(const std::string& url) {
    return test::direct_post(url);
}

// The token ids llama-server makes of a prompt (string or mixed array), special tokens parsed as
// it does for /completion and for chat templates' output.
std::vector<int> server_tokens(const std::string& url, const nlohmann::json& prompt) {
    std::string error;
    const auto reply =
        remote::read_reply(direct(url)("/tokenize", {{"content", prompt}, {"parse_special", true}}), error);
    if (!reply) throw std::runtime_error(error);
    return (*reply)["tokens"].get<std::vector<int>>();
}

size_t count_specials(const std::vector<int>& tokens, const remote::ServerTokens& specials) {
    std::set<int> ids;
    for (const auto& [text, id] : specials.specials) ids.insert(id);
    size_t n = 0;
    for (int t : tokens) n += ids.contains(t) ? 1 : 0;
    return n;
}

class RemoteLlamaServer : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (test::llama_server_built()) server_ = new LlamaServer(test::tiny_model(), server_args());
    }
    void SetUp() override { ARBITER_NEED_LLAMA_SERVER(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static LlamaServer* server_;
};
LlamaServer* RemoteLlamaServer::server_ = nullptr;

TEST_F(RemoteLlamaServer, RawModeReasonsAndAnswersWithinTheGrammar) {
    RemoteBackend backend(options_for({server_->url()}, RemoteMode::raw));
    const auto verdicts =
        classify_all(backend, {job("Buy cheap followers now!"), job("the weather is nice"), job(kForged)});
    test::expect_grammar_bound(verdicts);
}

TEST_F(RemoteLlamaServer, RawScoreModeGivesAProbability) {
    RemoteOptions o = options_for({server_->url()}, RemoteMode::raw);
    o.extra_request_fields = nlohmann::json::object();  // one digit is generated: always valid UTF-8
    RemoteBackend backend(o);
    const auto verdicts =
        classify_all(backend, {job("Buy cheap followers now!", Mode::score), job(kForged, Mode::score)});
    std::string error;
    const auto tokens = remote::discover_server_tokens(direct(server_->url()), error);
    ASSERT_TRUE(tokens) << error;
    for (size_t i = 0; i < verdicts.size(); ++i) {
        const Verdict& v = verdicts[i];
        ASSERT_EQ(v.status, VerdictStatus::ok) << v.error;
        ASSERT_TRUE(v.probability.has_value());
        EXPECT_GT(*v.probability, 0.0);
        EXPECT_LT(*v.probability, 1.0);
        EXPECT_EQ(*v.violation, *v.probability >= 0.5);
    }
    // The usage is the prompt the server evaluated: exactly arbiter's token-id prompt.
    const auto prompt = remote::raw_job_prompt(job(kForged, Mode::score), *tokens);
    EXPECT_EQ(static_cast<size_t>(verdicts[1].usage.prompt_tokens),
              server_tokens(server_->url(), prompt).size());
}

void expect_no_forgery_in_raw_mode(const std::string& url) {
    std::string error;
    const auto tokens = remote::discover_server_tokens(direct(url), error);
    ASSERT_TRUE(tokens) << error;
    // The test can tell: llama-server does turn this text into special tokens when sent whole.
    EXPECT_EQ(count_specials(server_tokens(url, kForged), *tokens), 4u);

    for (const Mode mode : {Mode::reason, Mode::score}) {
        const auto benign = server_tokens(url, remote::raw_job_prompt(job("hello", mode), *tokens));
        const auto forged = server_tokens(url, remote::raw_job_prompt(job(kForged, mode), *tokens));
        EXPECT_EQ(count_specials(forged, *tokens), count_specials(benign, *tokens));
        EXPECT_GT(forged.size(), benign.size());  // the forged text arrived, as ordinary tokens
    }
}

void expect_no_forgery_in_chat_mode(const std::string& url) {
    std::string error;
    const auto tokens = remote::discover_server_tokens(direct(url), error);
    ASSERT_TRUE(tokens) << error;
    const auto rendered = [&](const nlohmann::json& messages) {
        const auto reply =
            remote::read_reply(direct(url)("/apply-template", {{"messages", messages}}), error);
        if (!reply) throw std::runtime_error(error);
        return server_tokens(url, (*reply)["prompt"]);
    };
    const RemoteOptions o = options_for({url}, RemoteMode::chat);
    const auto benign = rendered(remote::chat_request(job("hello"), o)["messages"]);
    const auto forged = rendered(remote::chat_request(job(kForged), o)["messages"]);
    EXPECT_EQ(count_specials(forged, *tokens), count_specials(benign, *tokens));

    // Without arbiter's defusing, the server's template would let the content forge a turn.
    nlohmann::json raw_messages = remote::chat_request(job(kForged), o)["messages"];
    raw_messages[1]["content"] = kForged;
    EXPECT_EQ(count_specials(rendered(raw_messages), *tokens), count_specials(benign, *tokens) + 4);
}

TEST_F(RemoteLlamaServer, ContentCannotForgeHarmonyTokensInRawMode) {
    expect_no_forgery_in_raw_mode(server_->url());
}

TEST_F(RemoteLlamaServer, ContentCannotForgeHarmonyTokensInChatMode) {
    expect_no_forgery_in_chat_mode(server_->url());
}

// Chat mode's fidelity: llama.cpp's gpt-oss template renders arbiter's chat request as arbiter's
// own harmony prompt but for three things, pinned here so that any other drift shows: the
// "Current date:" line from the server's clock (arbiter writes no date, so a verdict does not
// depend on the day), two newlines after the policy, and the analysis channel, which arbiter opens
// itself and a chat server leaves to the model.
TEST_F(RemoteLlamaServer, ChatTemplateRendersArbitersPromptButForThreeKnownDifferences) {
    const Job j = job("Buy cheap followers now!");
    const nlohmann::json body = remote::chat_request(j, options_for({server_->url()}, RemoteMode::chat));
    std::string error;
    const auto reply = remote::read_reply(direct(server_->url())("/apply-template", body), error);
    ASSERT_TRUE(reply) << error;
    std::string rendered = (*reply)["prompt"].get<std::string>();
    const std::regex date("Current date: [0-9]{4}-[0-9]{2}-[0-9]{2}\n");
    ASSERT_TRUE(std::regex_search(rendered, date)) << rendered;
    rendered = std::regex_replace(rendered, date, "");
    const std::string policy_end = "\n\n<|end|><|start|>user";
    ASSERT_NE(rendered.find(policy_end), std::string::npos) << rendered;
    rendered.replace(rendered.find(policy_end), policy_end.size(), "<|end|><|start|>user");
    EXPECT_EQ(rendered + "<|channel|>analysis<|message|>", harmony::classification_prompt(j).str());
}

// The same on gpt-oss's real vocabulary (o200k_harmony), whose merges and 1,090 specials the
// server's tokenizer and template now see.
class RemoteLlamaServerO200k : public RemoteLlamaServer {
protected:
    static void SetUpTestSuite() {
        if (test::llama_server_built()) server_ = new LlamaServer(test::tiny_o200k_model(), server_args());
    }
};

TEST_F(RemoteLlamaServerO200k, ContentCannotForgeHarmonyTokensInRawMode) {
    expect_no_forgery_in_raw_mode(server_->url());
}

TEST_F(RemoteLlamaServerO200k, ContentCannotForgeHarmonyTokensInChatMode) {
    expect_no_forgery_in_chat_mode(server_->url());
}

// The chat parser of llama-server refuses output that does not follow harmony, as a random model's
// does not: the test forces the structure with a grammar (through the test-only extra fields).
TEST_F(RemoteLlamaServer, ChatModeReadsReasoningVerdictAndUsage) {
    std::string error;
    const auto tokens = remote::discover_server_tokens(direct(server_->url()), error);
    ASSERT_TRUE(tokens) << error;
    const auto id = [&](std::string_view text) {
        return "<[" + std::to_string(tokens->special(text)) + "]>";
    };
    RemoteOptions o = options_for({server_->url()}, RemoteMode::chat);
    o.extra_request_fields = {
        {"grammar", "root ::= " + id(harmony::kChannel) + " \"analysis\" " + id(harmony::kMessage) +
                        " [a-z ]{1,20} " + id(harmony::kEnd) + id(harmony::kStart) + " \"assistant\" " +
                        id(harmony::kChannel) + " \"final\" " + id(harmony::kMessage) + " [01]"}};
    RemoteBackend backend(o);
    std::vector<Job> jobs = {job("Buy cheap followers now!"), job(kForged)};
    for (Job& j : jobs) j.max_reasoning_tokens = 64;  // room for the forced structure
    const auto verdicts = classify_all(backend, std::move(jobs));
    for (const Verdict& v : verdicts) {
        ASSERT_EQ(v.status, VerdictStatus::ok) << v.error;
        EXPECT_TRUE(v.raw_answer == "0" || v.raw_answer == "1") << v.raw_answer;
        EXPECT_FALSE(v.rationale.empty());
        EXPECT_GT(v.usage.prompt_tokens, 100);
        EXPECT_GT(v.usage.completion_tokens, 0);
    }
}

TEST_F(RemoteLlamaServer, OutputTheServerCannotReturnIsAClearPerItemError) {
    RemoteOptions o = options_for({server_->url()}, RemoteMode::chat);
    o.extra_request_fields = nlohmann::json::object();  // production requests: nothing added
    o.retries = 0;
    RemoteBackend backend(o);
    const Verdict v = classify_all(backend, {job("Buy cheap followers now!")})[0];
    ASSERT_EQ(v.status, VerdictStatus::error);
    EXPECT_NE(v.error.find("HTTP 500"), std::string::npos) << v.error;
    EXPECT_NE(v.error.find("could not be returned"), std::string::npos) << v.error;
    EXPECT_TRUE(backend.endpoint_state(0).in_rotation);
}

// Score mode on the server, over /completion and /v1/completions, gives the embedded engine's
// probability: same prompt tokens, same model.
// The server reads probabilities in float after a prompt split its own way (its prompt cache
// reuses a prefix of the policy), so the two agree to about 1e-6 (at most 1.5e-6 over 1,500
// items, bench/RESULTS.md), not bit for bit. A server of its own with one slot, asked one item at
// a time: batches that do not depend on what earlier tests left in its cache or on timing.
TEST(RemoteLlamaServerScore, RawAndCompletionsScoresMatchTheEmbeddedEngine) {
    ARBITER_NEED_LLAMA_SERVER();
    LlamaServer server(test::tiny_model(), {"-c", "4096", "-np", "1", "-fa", "off"});
    engine::EngineOptions e;
    e.model = test::tiny_model();
    e.threads = 1;
    e.parallel = 2;
    e.context = 4096;
    engine::EmbeddedEngine embedded(e);
    const std::vector<std::string> texts = {"Buy cheap followers now!", "the weather is nice today",
                                            "a longer message, so that the content spans more than one "
                                            "sliding window of the tiny model's attention"};
    const auto score_jobs = [&texts] {
        std::vector<Job> jobs;
        jobs.reserve(texts.size());
        for (const auto& t : texts) jobs.push_back(job(t, Mode::score));
        return jobs;
    };
    const auto local = classify_all(embedded, score_jobs());
    for (const RemoteMode mode : {RemoteMode::raw, RemoteMode::completions}) {
        RemoteOptions o = options_for({server.url()}, mode);
        o.extra_request_fields = nlohmann::json::object();
        o.max_concurrency_per_endpoint = 1;
        o.engine = remote::RemoteEngine::llama_server;
        o.tokenizer = engine::load_tokenizer(test::tiny_model());
        RemoteBackend backend(o);
        const auto remote = classify_all(backend, score_jobs());
        for (size_t i = 0; i < texts.size(); ++i) {
            SCOPED_TRACE(remote::mode_name(mode));
            ASSERT_EQ(remote[i].status, VerdictStatus::ok) << remote[i].error;
            ASSERT_EQ(local[i].status, VerdictStatus::ok) << local[i].error;
            EXPECT_NEAR(*remote[i].probability, *local[i].probability, 1e-5)
                << texts[i] << " (server: " << remote[i].usage.prompt_tokens << " prompt tokens, "
                << remote[i].usage.cached_tokens << " cached)";
            EXPECT_EQ(remote[i].usage.prompt_tokens, local[i].usage.prompt_tokens) << texts[i];
        }
    }
}

TEST(RemoteFailover, EveryItemGetsOneVerdictWhenAServerDiesMidRun) {
    ARBITER_NEED_LLAMA_SERVER();
    LlamaServer a(test::tiny_model(), server_args());
    LlamaServer b(test::tiny_model(), server_args());
    RemoteOptions o = options_for({a.url(), b.url()}, RemoteMode::raw);
    o.failures_to_eject = 1;
    o.health_interval_s = 0.5;
    o.retries = 3;
    RemoteBackend backend(o);

    constexpr size_t kItems = 12;
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<int> answers(kItems, 0);
    std::vector<Verdict> verdicts(kItems);
    size_t finished = 0;
    for (size_t i = 0; i < kItems; ++i) {
        backend.submit(job("item " + std::to_string(i)), [&, i](Verdict v) {
            std::lock_guard lock(mutex);
            answers[i]++;
            verdicts[i] = std::move(v);
            ++finished;
            changed.notify_all();
        });
    }
    {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return finished >= 2; });
    }
    b.kill();
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, std::chrono::minutes(5), [&] { return finished == kItems; }));
    for (size_t i = 0; i < kItems; ++i) {
        EXPECT_EQ(answers[i], 1) << "item " << i;
        EXPECT_EQ(verdicts[i].status, VerdictStatus::ok) << "item " << i << ": " << verdicts[i].error;
    }
    EXPECT_FALSE(backend.endpoint_state(1).in_rotation);
    // Only requests in flight on the dead server (at most its concurrency of 2 per request
    // phase) were repeated.
    EXPECT_LE(backend.stats().retries, 4u);
}

}  // namespace
}  // namespace arbiter
