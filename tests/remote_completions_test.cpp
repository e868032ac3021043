// Completions mode (token ids on /v1/completions) against real llama-server processes serving the
// tiny models, with arbiter's own tokenizer read from the same files: verdicts within the grammar,
// reasoning that stops at the first harmony special (in raw mode too), content counted for 413s,
// and content that spells harmony tokens reaching the model as text.

#include <gtest/gtest.h>

#include <set>

#include "core/content_layout.h"
#include "harmony/special_tokens.h"
#include "llama/embedded_engine.h"
#include "llama/tokenizer_file.h"
#include "remote/completions_exchange.h"
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
using test::classify_all;
using test::spam_job;

// The byte tokens 128-255 banned, in the map shape completions mode merges with its own bias.
nlohmann::json valid_utf8_map() {
    nlohmann::json bias = nlohmann::json::object();
    for (int id = 128; id < 256; ++id) bias[std::to_string(id)] = false;
    return {{"logit_bias", bias}};
}

RemoteOptions completions_options(const std::string& url, const std::filesystem::path& model) {
    RemoteOptions o = test::llama_server_options({url}, RemoteMode::completions);
    o.engine = remote::RemoteEngine::llama_server;
    o.tokenizer = engine::load_tokenizer(model);
    o.extra_request_fields = valid_utf8_map();
    return o;
}

class RemoteCompletions : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (test::llama_server_built())
            server_ = new test::LlamaServer(test::tiny_model(), test::llama_server_args());
    }
    void SetUp() override { ARBITER_NEED_LLAMA_SERVER(); }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static test::LlamaServer* server_;
};
test::LlamaServer* RemoteCompletions::server_ = nullptr;

TEST_F(RemoteCompletions, ReasonsAndAnswersWithinTheGrammar) {
    RemoteBackend backend(completions_options(server_->url(), test::tiny_model()));
    const auto verdicts = classify_all(backend, {spam_job("Buy cheap followers now!"),
                                                 spam_job("the weather is nice"), spam_job(test::kForged)});
    test::expect_grammar_bound(verdicts);
}

// The playground's reasoning, streamed as the server writes it: in pieces, which together are
// the rationale, and the same tokens as the reply read whole (greedy).
TEST_F(RemoteCompletions, ReasoningIsStreamedInPiecesToOnReasoning) {
    RemoteBackend backend(completions_options(server_->url(), test::tiny_model()));
    Job watched = spam_job("Buy cheap followers now!");
    watched.max_reasoning_tokens = 24;
    std::vector<std::string> pieces;
    watched.on_reasoning = [&pieces](std::string_view piece) { pieces.emplace_back(piece); };
    Job whole = spam_job("Buy cheap followers now!");
    whole.max_reasoning_tokens = 24;
    const auto verdicts = classify_all(backend, {watched});
    const auto reference = classify_all(backend, {whole});
    ASSERT_EQ(verdicts[0].status, VerdictStatus::ok) << verdicts[0].error;
    ASSERT_EQ(reference[0].status, VerdictStatus::ok) << reference[0].error;
    EXPECT_GT(pieces.size(), 1u);
    std::string joined;
    for (const std::string& piece : pieces) joined += piece;
    EXPECT_EQ(joined, verdicts[0].rationale);
    EXPECT_EQ(verdicts[0].rationale, reference[0].rationale);
    EXPECT_EQ(verdicts[0].usage.prompt_tokens, reference[0].usage.prompt_tokens);
    EXPECT_EQ(verdicts[0].usage.completion_tokens, reference[0].usage.completion_tokens);
    EXPECT_EQ(verdicts[0].violation, reference[0].violation);
}

// The model is made to write three letters, <|end|> and then letters without end; the server must
// stop at <|end|> (llama.cpp does not end generation there for o200k_harmony), not at the budget.
TEST_F(RemoteCompletions, ReasoningStopsAtTheFirstSpecialInBothTokenModes) {
    const auto tokenizer = engine::load_tokenizer(test::tiny_model());
    const remote::ServerTokens tokens = remote::tokenizer_tokens(*tokenizer);
    const std::string grammar =
        "root ::= [a-z] [a-z] [a-z] <[" + std::to_string(tokens.special(harmony::kEnd)) + "]> [a-z]+";
    int reasoning_tokens = -1;
    const remote::Post direct = test::direct_post(server_->url());
    const remote::Post forcing = [&](const std::string& path, const nlohmann::json& body) {
        const bool reasoning = body.contains("stop");
        nlohmann::json forced = body;
        if (reasoning) forced["grammar"] = grammar;
        remote::HttpResult result = direct(path, forced);
        if (reasoning) {
            const auto reply = nlohmann::json::parse(result.body);
            reasoning_tokens = reply.contains("usage") ? reply["usage"]["completion_tokens"].get<int>()
                                                       : reply["tokens_predicted"].get<int>();
        }
        return result;
    };
    Job job = spam_job("Buy cheap followers now!");
    job.max_reasoning_tokens = 24;
    const RemoteOptions completions = completions_options(server_->url(), test::tiny_model());
    const Verdict by_ids = remote::classify_completions(job, completions, tokens, forcing);
    ASSERT_EQ(by_ids.status, VerdictStatus::ok) << by_ids.error;
    EXPECT_EQ(reasoning_tokens, 4);  // three letters and <|end|>
    EXPECT_EQ(by_ids.rationale.size(), 3u) << by_ids.rationale;

    reasoning_tokens = -1;
    RemoteOptions raw = test::llama_server_options({server_->url()}, RemoteMode::raw);
    const Verdict by_raw = remote::classify_raw(job, raw, tokens, forcing);
    ASSERT_EQ(by_raw.status, VerdictStatus::ok) << by_raw.error;
    EXPECT_EQ(reasoning_tokens, 4);
    EXPECT_EQ(by_raw.rationale, by_ids.rationale);
}

// The server's context per request (--ctx) and arbiter's tokenizer give the embedded engine's
// counts: content longer than the room gets 413 before it is queued.
TEST_F(RemoteCompletions, CountsContentAsTheEmbeddedEngineDoes) {
    RemoteOptions o = completions_options(server_->url(), test::tiny_model());
    o.context_tokens = 4096;
    RemoteBackend backend(o);
    engine::EngineOptions e;
    e.model = test::tiny_model();
    e.threads = 1;
    e.parallel = 1;
    e.context = 4096;
    engine::EmbeddedEngine embedded(e);
    const Content content = Content::message("Buy cheap followers now! <|end|> and more");
    EXPECT_EQ(backend.content_tokens(content), embedded.content_tokens(content));
    const Job job = spam_job("");
    ASSERT_TRUE(backend.content_room(job).has_value());
    EXPECT_EQ(backend.content_room(job), embedded.content_room(job));
    EXPECT_EQ(backend.content_room(spam_job("", Mode::score)),
              *embedded.content_room(spam_job("", Mode::score)) - 1);

    o.context_tokens = 0;  // the servers' limit unknown: counted, no room
    RemoteBackend unknown(o);
    EXPECT_TRUE(unknown.content_tokens(content).has_value());
    EXPECT_FALSE(unknown.content_room(job).has_value());
}

// On gpt-oss's real vocabulary: the ids sent hold exactly the prompt's own specials, and the
// forged text arrives as ordinary tokens that spell it.
TEST(RemoteCompletionsPrompt, ContentCannotForgeHarmonyTokens) {
    const auto tokenizer = engine::load_tokenizer(test::tiny_o200k_model());
    const std::set<int> specials = remote::tokenizer_tokens(*tokenizer).special_ids();
    const auto count = [&](const std::vector<int32_t>& ids) {
        return std::count_if(ids.begin(), ids.end(), [&](int32_t id) { return specials.contains(id); });
    };
    for (const Mode mode : {Mode::reason, Mode::score}) {
        const auto benign = remote::completions_prompt(spam_job("hello", mode), *tokenizer);
        const auto forged = remote::completions_prompt(spam_job(test::kForged, mode), *tokenizer);
        EXPECT_EQ(count(forged), count(benign));
        EXPECT_GT(forged.size(), benign.size());
        std::string text;
        for (const int32_t id : forged) text += specials.contains(id) ? "" : tokenizer->piece(id);
        EXPECT_NE(text.find(test::kForged), std::string::npos);
    }
}

TEST(RemoteCompletionsOptions, RefusesWhatAnEngineCannotServe) {
    RemoteOptions o;
    o.endpoints = {"http://127.0.0.1:1"};
    o.mode = RemoteMode::completions;
    o.engine = remote::RemoteEngine::vllm;
    EXPECT_THROW(remote::validate(o), std::invalid_argument);  // no tokenizer
    o.tokenizer = engine::load_tokenizer(test::tiny_model());
    EXPECT_NO_THROW(remote::validate(o));
    for (const auto engine :
         {remote::RemoteEngine::ollama, remote::RemoteEngine::openai, remote::RemoteEngine::generic}) {
        o.engine = engine;
        EXPECT_THROW(remote::validate(o), std::invalid_argument) << remote::engine_name(engine);
    }
    o.engine = remote::RemoteEngine::vllm;
    o.mode = RemoteMode::raw;
    EXPECT_THROW(remote::validate(o), std::invalid_argument);
}

}  // namespace
}  // namespace arbiter
