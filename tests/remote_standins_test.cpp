// The remote backend against stand-ins for vLLM, SGLang and Ollama (support/engine_standin.h says
// which version of each engine's protocol they check): every request arbiter sends is one the
// engine accepts, with no field it would silently drop; the answers are read in each engine's
// shapes; the steps of one job continue the same token ids.

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "harmony/renderer.h"
#include "llama/tokenizer_file.h"
#include "remote/completions_exchange.h"
#include "remote/remote_backend.h"
#include "remote/remote_engine.h"
#include "support/engine_standin.h"
#include "support/remote_jobs.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using remote::RemoteBackend;
using remote::RemoteEngine;
using remote::RemoteMode;
using remote::RemoteOptions;
using test::EngineStandin;
using test::StandinEngine;

const std::shared_ptr<const harmony::Tokenizer>& o200k() {
    static const auto tokenizer = engine::load_tokenizer(test::tiny_o200k_model());
    return tokenizer;
}

RemoteOptions standin_options(const EngineStandin& standin, RemoteEngine engine) {
    RemoteOptions o;
    o.endpoints = {standin.url()};
    o.engine = engine;
    o.mode = remote::engine_preset(engine).mode;
    o.health_path = remote::engine_preset(engine).health_path;
    o.tokenizer = o200k();
    o.model = "openai/gpt-oss-safeguard-20b";
    o.retries = 0;
    o.timeout_s = 10;
    return o;
}

void expect_clean(const EngineStandin& standin) {
    EXPECT_TRUE(standin.refusals().empty()) << standin.refusals().front();
    EXPECT_TRUE(standin.unknown_fields().empty()) << standin.unknown_fields().front();
}

// A reason job's two requests: the answer's prompt is the first prompt, the reasoning's ids up to
// the first special, and the final channel's header, all as ids.
void expect_one_continued_prompt(const EngineStandin& standin, const Job& job) {
    const auto requests = standin.requests();
    ASSERT_EQ(requests.size(), 2u);
    std::vector<int32_t> expected = remote::completions_prompt(job, *o200k());
    EXPECT_EQ(requests[0]["prompt"].get<std::vector<int32_t>>(), expected);
    for (const int32_t id : o200k()->tokenize_text(EngineStandin::kReasoning)) expected.push_back(id);
    for (const int32_t id : o200k()->tokenize(harmony::final_channel_header())) expected.push_back(id);
    EXPECT_EQ(requests[1]["prompt"].get<std::vector<int32_t>>(), expected);
}

void expect_reason_and_score(StandinEngine which, RemoteEngine engine) {
    EngineStandin standin(which, o200k(), 0.75);
    RemoteBackend backend(standin_options(standin, engine));
    const Job job = test::spam_job("Buy cheap followers now!");
    const Verdict v = test::classify_all(backend, {job})[0];
    ASSERT_EQ(v.status, VerdictStatus::ok) << v.error;
    EXPECT_EQ(v.raw_answer, "1");
    EXPECT_EQ(v.rationale, EngineStandin::kReasoning);
    EXPECT_EQ(v.usage.prompt_tokens, static_cast<int>(remote::completions_prompt(job, *o200k()).size()));
    expect_one_continued_prompt(standin, job);
    const nlohmann::json reasoning = standin.requests()[0];
    EXPECT_EQ(reasoning["stop_token_ids"].size(), 9u);  // every harmony special
    EXPECT_EQ(reasoning["max_tokens"], 16);

    const Verdict s =
        test::classify_all(backend, {test::spam_job("Buy cheap followers now!", Mode::score)})[0];
    ASSERT_EQ(s.status, VerdictStatus::ok) << s.error;
    EXPECT_NEAR(*s.probability, 0.75, 1e-9);  // the two answers' share, renormalised
    EXPECT_TRUE(*s.violation);
    expect_clean(standin);
}

TEST(VllmStandIn, ReasonsAndScoresOverTokenIds) {
    expect_reason_and_score(StandinEngine::vllm, RemoteEngine::vllm);
}

TEST(SglangStandIn, ReasonsAndScoresOverTokenIds) {
    expect_reason_and_score(StandinEngine::sglang, RemoteEngine::sglang);
}

TEST(VllmStandIn, RequestsUseTheCurrentFieldNames) {
    EngineStandin standin(StandinEngine::vllm, o200k());
    RemoteBackend backend(standin_options(standin, RemoteEngine::vllm));
    test::classify_all(backend, {test::spam_job("hello"), test::spam_job("hello", Mode::score)});
    const auto requests = standin.requests();
    ASSERT_EQ(requests.size(), 3u);  // reasoning, answer, score (in any order: the jobs run at once)
    const auto with = [&](const char* field) {
        return std::count_if(requests.begin(), requests.end(),
                             [&](const auto& r) { return r.contains(field); });
    };
    EXPECT_EQ(with("structured_outputs"), 1);  // not the removed guided_grammar
    EXPECT_EQ(with("guided_grammar"), 0);
    EXPECT_EQ(with("allowed_token_ids"), 1);
    for (const auto& r : requests) {
        EXPECT_EQ(r["model"], "openai/gpt-oss-safeguard-20b");
        if (r.contains("structured_outputs")) {
            EXPECT_TRUE(r["structured_outputs"]["grammar"].is_string());
        }
        if (r.contains("allowed_token_ids")) {
            EXPECT_EQ(r["allowed_token_ids"].size(), 2u);
        }
        EXPECT_LE(r.value("logprobs", 0), 20);
    }
    expect_clean(standin);
}

TEST(VllmStandIn, ScoresWithoutBothAnswersAreAClearError) {
    EngineStandin standin(StandinEngine::vllm, o200k());
    standin.drop_one_from_scores();
    RemoteBackend backend(standin_options(standin, RemoteEngine::vllm));
    const Verdict v = test::classify_all(backend, {test::spam_job("hello", Mode::score)})[0];
    EXPECT_EQ(v.status, VerdictStatus::error);
    EXPECT_NE(v.error.find("do not hold both answers"), std::string::npos) << v.error;
    EXPECT_NE(v.error.find("--logprobs-mode processed_logprobs"), std::string::npos) << v.error;
}

TEST(VllmStandIn, AnIdPastTheVocabularyFailsTheItemNotTheProcess) {
    EngineStandin standin(StandinEngine::vllm, o200k());
    standin.name_tokens_past_the_vocabulary();
    RemoteBackend backend(standin_options(standin, RemoteEngine::vllm));
    const Verdict v = test::classify_all(backend, {test::spam_job("hello")})[0];
    EXPECT_EQ(v.status, VerdictStatus::error);
    EXPECT_NE(v.error.find("outside the tokenizer's vocabulary"), std::string::npos) << v.error;
}

TEST(SglangStandIn, ItsFlatErrorBodyReachesTheVerdict) {
    EngineStandin standin(StandinEngine::sglang, o200k());
    RemoteOptions o = standin_options(standin, RemoteEngine::sglang);
    o.extra_request_fields = {{"regex", "[01]"}};  // beside arbiter's ebnf: SGLang refuses both
    RemoteBackend backend(o);
    const Verdict v = test::classify_all(backend, {test::spam_job("hello")})[0];
    EXPECT_EQ(v.status, VerdictStatus::error);
    EXPECT_NE(v.error.find("HTTP 400: Only one of regex, json_schema, or ebnf can be set."),
              std::string::npos)
        << v.error;

    o.extra_request_fields = nlohmann::json::object();
    o.model.clear();  // SGLang requires it: refused before any request
    EXPECT_THROW(RemoteBackend{o}, std::invalid_argument);
}

// Polls until `done` or `seconds` pass.
bool eventually(const std::function<bool()>& done, double seconds = 5) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
        if (std::chrono::steady_clock::now() > until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

TEST(OllamaStandIn, ChatModeAndItsHealthPath) {
    EngineStandin standin(StandinEngine::ollama, o200k());
    RemoteOptions o = standin_options(standin, RemoteEngine::ollama);
    ASSERT_EQ(o.mode, RemoteMode::chat);
    o.health_interval_s = 0.05;
    o.failures_to_eject = 1;
    RemoteBackend backend(o);
    // Probes of /health would eject it within a probe interval (the next test); /api/version keeps it.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    EXPECT_TRUE(backend.endpoint_state(0).in_rotation);
    EXPECT_EQ(backend.endpoint_state(0).ejections, 0);
    const Verdict v = test::classify_all(backend, {test::spam_job("hello")})[0];
    ASSERT_EQ(v.status, VerdictStatus::ok) << v.error;
    EXPECT_EQ(v.rationale, EngineStandin::kReasoning);
    expect_clean(standin);

    // Its /v1/completions takes no ids, and arbiter says so before sending any.
    o.mode = RemoteMode::completions;
    EXPECT_THROW(RemoteBackend{o}, std::invalid_argument);
}

// With /health, the path of every other preset, Ollama would be ejected at the first probe.
TEST(OllamaStandIn, HealthIsNotProbedWhereOllamaHasNone) {
    EngineStandin standin(StandinEngine::ollama, o200k());
    RemoteOptions o = standin_options(standin, RemoteEngine::ollama);
    o.health_path = "/health";
    o.health_interval_s = 0.05;
    o.failures_to_eject = 1;
    RemoteBackend backend(o);
    EXPECT_TRUE(eventually([&] { return !backend.endpoint_state(0).in_rotation; }));
}

}  // namespace
}  // namespace arbiter
