// Stream sessions in the embedded engine, on the generated tiny model (sliding window 16):
// every check equals, bit for bit, a one-shot score-mode classification of the response cut at
// the check's offset, over responses many windows long with many probes, while one-shot jobs
// share the decodes; plus the decisions, the limits and the errors.

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <random>

#include "core/policy_file.h"
#include "llama/embedded_engine.h"
#include "support/example_policy.h"
#include "support/stream_run.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

using engine::EmbeddedEngine;
using engine::EngineOptions;
using test::long_response;
using test::one_shot;
using test::stream;
using test::StreamRun;
constexpr auto example = test::example_policy;

EngineOptions stream_options() {
    EngineOptions o;
    o.model = test::tiny_model();
    o.threads = 2;
    o.parallel = 2;
    o.context = 4096;
    o.streams = 4;
    // A small batch keeps llama.cpp's sliding-window cache small (window + batch cells), so that
    // its cells are reused many times over a response.
    o.batch = 32;
    return o;
}

TEST(StreamEngine, ChecksEqualOneShotScoresOverManyWindows) {
    const auto policy = example("spam");
    EmbeddedEngine engine(stream_options());
    const std::string prompt = "Write something long.";
    const std::string response = long_response(1500, 7);  // ~830 tokens: ~50 windows of 16
    StreamSpec spec;
    spec.policies = {{.policy = policy, .check_every_tokens = 16}};
    spec.context = Content::completion(prompt, "");
    const StreamRun run = stream(engine, spec, response, 23, 1);
    ASSERT_TRUE(run.end.ok) << run.end.error;
    ASSERT_GE(run.checks.size(), 40u);
    // The last check judged the whole text (at close, unless a check had just judged it all).
    EXPECT_EQ(run.checks.back().offset_bytes, response.size());

    const std::vector<Verdict> expected = one_shot(engine, policy, prompt, response, run.checks);
    size_t distinct = 0;
    for (size_t i = 0; i < run.checks.size(); ++i) {
        EXPECT_EQ(run.checks[i].probability, expected[i].probability.value_or(-1))
            << "check " << i << " at byte " << run.checks[i].offset_bytes;
        if (i > 0 && run.checks[i].probability != run.checks[i - 1].probability) ++distinct;
        if (i > 0) {
            EXPECT_GT(run.checks[i].offset_tokens, run.checks[i - 1].offset_tokens);
        }
    }
    EXPECT_GT(distinct, run.checks.size() / 2);  // the checks do see different text
    // The prompt up to the first check, every later token once, and the probes (the tail and the
    // assistant header, under 40 tokens): far less than re-scoring the text at every check.
    const int first = expected[0].usage.prompt_tokens;
    EXPECT_LT(run.end.prompt_tokens,
              first + run.end.response_tokens + 40 * static_cast<int>(run.checks.size()));
    int rescoring = 0;
    for (const Verdict& v : expected) rescoring += v.usage.prompt_tokens - v.usage.cached_tokens;
    // The stream evaluated the policy prefix itself (its first lane found none cached); without it,
    // it evaluated over 10x fewer tokens than re-scoring.
    const int prefix = expected.back().usage.cached_tokens;
    ASSERT_GT(prefix, 1000);
    EXPECT_EQ(run.end.cached_tokens, 0);
    EXPECT_LT((run.end.prompt_tokens - prefix) * 10, rescoring);
    EXPECT_EQ(run.end.policies.at(0).checks, static_cast<int>(run.checks.size()));
    EXPECT_EQ(run.end.policies[0].final_probability, run.checks.back().probability);
}

}  // namespace
}  // namespace arbiter

namespace arbiter {
namespace {

// Two streams of two policies each, with one-shot jobs submitted while they run: every
// decode mixes them, and every check still equals its one-shot score.
TEST(StreamEngine, ConcurrentStreamsAndJobsShareDecodesExactly) {
    const auto spam = example("spam");
    const auto hate = example("hate-speech");
    EmbeddedEngine engine(stream_options());
    const std::string prompt = "Say something.";
    const std::string a = long_response(500, 11);
    const std::string b = long_response(400, 12);
    StreamSpec spec;
    spec.policies = {{.policy = spam, .check_every_tokens = 24}, {.policy = hate, .check_every_tokens = 40}};
    spec.context = Content::completion(prompt, "");
    std::vector<std::promise<Verdict>> side(6);
    for (size_t i = 0; i < side.size(); ++i) {
        Job j;
        j.policy = i % 2 ? spam : hate;
        j.mode = i % 3 ? Mode::score : Mode::reason;
        j.max_reasoning_tokens = 16;
        j.content = Content::message(long_response(100 + 50 * i, static_cast<uint32_t>(i)));
        engine.submit(std::move(j), [&side, i](Verdict v) { side[i].set_value(std::move(v)); });
    }
    auto second = std::async(std::launch::async, [&] { return stream(engine, spec, b, 5, 3); });
    const StreamRun first = stream(engine, spec, a, 9, 2);
    const StreamRun other = second.get();
    for (auto& p : side) EXPECT_EQ(p.get_future().get().status, VerdictStatus::ok);

    for (const auto& [run, text] : {std::pair{&first, &a}, std::pair{&other, &b}}) {
        ASSERT_TRUE(run->end.ok) << run->end.error;
        ASSERT_EQ(run->end.policies.size(), 2u);
        for (size_t policy = 0; policy < 2; ++policy) {
            std::vector<StreamCheck> checks;
            for (const StreamCheck& c : run->checks) {
                if (c.policy == policy) checks.push_back(c);
            }
            ASSERT_GE(checks.size(), 5u);
            EXPECT_EQ(run->end.policies[policy].checks, static_cast<int>(checks.size()));
            const std::vector<Verdict> expected =
                one_shot(engine, policy ? hate : spam, prompt, *text, checks);
            for (size_t i = 0; i < checks.size(); ++i) {
                EXPECT_EQ(checks[i].probability, expected[i].probability.value_or(-1))
                    << "policy " << policy << " check " << i;
            }
        }
    }
}

// Why streams turn swa_full on. llama.cpp keeps window + batch cells for the sliding-window
// layers and reuses the oldest; a probe longer than a batch (here the uncommitted text: a run of
// 600 letters has no pre-token boundary) spans several micro-batches, and its later ones reuse
// cells the next chunk needs. With swa_full every check equals the one-shot; without it the
// stream must fail with a clear error rather than report a different probability.
TEST(StreamEngine, ALongProbeNeedsTheFullWindowCache) {
    const auto policy = example("spam");
    const std::string prompt = "Write something long.";
    const std::string response = long_response(300, 7) + std::string(600, 'x') + long_response(200, 8);
    StreamSpec spec;
    spec.policies = {{.policy = policy, .check_every_tokens = 32}};
    spec.context = Content::completion(prompt, "");
    std::vector<Verdict> with_full;  // one-shot scores in the swa_full engine
    for (const bool full : {true, false}) {
        EngineOptions o = stream_options();
        o.stream_swa_full = full;
        EmbeddedEngine engine(o);
        const StreamRun run = stream(engine, spec, response, 23, 1);
        const std::vector<Verdict> expected = one_shot(engine, policy, prompt, response, run.checks);
        size_t differ = 0;
        for (size_t i = 0; i < run.checks.size(); ++i) {
            differ += run.checks[i].probability != expected[i].probability.value_or(-1) ? 1 : 0;
        }
        std::printf("swa_full %s: %zu checks, %zu differ from one-shot, stream %s%s\n", full ? "on" : "off",
                    run.checks.size(), differ, run.end.ok ? "ok" : "failed: ", run.end.error.c_str());
        EXPECT_EQ(differ, 0u);
        if (full) {
            with_full = expected;
            EXPECT_TRUE(run.end.ok) << run.end.error;
            EXPECT_EQ(run.checks.back().offset_bytes, response.size());
        } else {
            // swa_full changes no one-shot score: a check equals the plain engine's one-shot too.
            for (size_t i = 0; i < expected.size(); ++i) {
                EXPECT_EQ(expected[i].probability, with_full.at(i).probability) << "check " << i;
            }
        }
        if (!run.end.ok) {
            EXPECT_NE(run.end.error.find("sliding-window cache lost cells"), std::string::npos)
                << run.end.error;
        }
    }
}

// Threshold 0 makes every check count: consecutive 3 flags at the third check, and a flag is
// final; threshold above 1 never flags.
TEST(StreamEngine, DecisionsFollowThresholdAndConsecutiveChecks) {
    const auto policy = example("spam");
    EmbeddedEngine engine(stream_options());
    StreamSpec spec;
    spec.policies = {{.policy = policy, .check_every_tokens = 20, .threshold = 0.0, .consecutive = 3},
                     {.policy = policy, .check_every_tokens = 20, .threshold = 1.5, .consecutive = 1}};
    spec.context = Content::completion("p", "");
    const StreamRun run = stream(engine, spec, long_response(300, 5), 17, 4);
    ASSERT_TRUE(run.end.ok) << run.end.error;
    std::vector<CheckState> flagging;
    for (const StreamCheck& c : run.checks) {
        if (c.policy == 0) flagging.push_back(c.state);
        if (c.policy == 1) {
            EXPECT_EQ(c.state, CheckState::pass);
        }
    }
    ASSERT_GE(flagging.size(), 4u);
    EXPECT_EQ(flagging[0], CheckState::above);
    EXPECT_EQ(flagging[1], CheckState::above);
    for (size_t i = 2; i < flagging.size(); ++i) EXPECT_EQ(flagging[i], CheckState::flagged) << i;
    EXPECT_TRUE(run.end.policies[0].flagged);
    EXPECT_FALSE(run.end.policies[1].flagged);
    size_t third = 0;
    for (const StreamCheck& c : run.checks) {
        if (c.policy == 0 && ++third == 3) {
            EXPECT_EQ(run.end.policies[0].flagged_at_bytes, c.offset_bytes);
        }
    }
}

TEST(StreamEngine, SentenceEndsBringChecksOfTheirOwn) {
    const auto policy = example("spam");
    EmbeddedEngine engine(stream_options());
    const std::string response = "One sentence. Two words three! And four?\nfive";
    StreamSpec spec;
    spec.policies = {{.policy = policy, .check_every_tokens = 1000, .at_sentence_ends = true},
                     {.policy = policy, .check_every_tokens = 1000}};
    spec.context = Content::completion("p", "");
    // One byte per append: a check falls right after each sentence's end, for the first policy only.
    const StreamRun run = stream(engine, spec, response, 1, 1);
    ASSERT_TRUE(run.end.ok) << run.end.error;
    std::vector<size_t> expected;
    for (size_t i = 0; i < response.size(); ++i) {
        if (std::string_view(".!?\n").find(response[i]) != std::string_view::npos) expected.push_back(i + 1);
    }
    expected.push_back(response.size());  // the final check
    std::vector<size_t> first, second;
    for (const StreamCheck& c : run.checks) (c.policy == 0 ? first : second).push_back(c.offset_bytes);
    EXPECT_EQ(first, expected);
    EXPECT_EQ(second, std::vector<size_t>{response.size()});
    std::vector<StreamCheck> checks;
    for (const StreamCheck& c : run.checks) {
        if (c.policy == 0) checks.push_back(c);
    }
    const std::vector<Verdict> once = one_shot(engine, policy, "p", response, checks);
    for (size_t i = 0; i < checks.size(); ++i) EXPECT_EQ(once[i].probability, checks[i].probability) << i;
}

TEST(StreamEngine, LimitsAndEndedStreamsAreClearErrors) {
    const auto policy = example("spam");
    EngineOptions o = stream_options();
    o.streams = 2;
    o.stream_max_bytes = 100;
    o.stream_idle_timeout_ms = 300;
    EmbeddedEngine engine(o);
    const auto code = [](const std::function<void()>& f) {
        try {
            f();
        } catch (const StreamError& e) {
            return e.code();
        }
        ADD_FAILURE() << "no StreamError";
        return StreamError::Code::unsupported;
    };
    StreamSpec two;
    two.policies = {{.policy = policy}, {.policy = policy}};
    two.context = Content::completion("p", "");
    std::promise<StreamEnd> ended;
    StreamEvents events;
    events.end = [&ended](StreamEnd e) { ended.set_value(std::move(e)); };
    const StreamId id = engine.open_stream(two, events);
    // Both sequences are taken.
    EXPECT_EQ(code([&] { engine.open_stream(two, {}); }), StreamError::Code::limit);
    // Three policies can never fit in two sequences: not a retryable limit.
    StreamSpec three = two;
    three.policies.push_back({.policy = policy});
    EXPECT_EQ(code([&] { engine.open_stream(three, {}); }), StreamError::Code::never_fits);
    EXPECT_EQ(code([&] { engine.append_stream(id, std::string(101, 'a')); }), StreamError::Code::limit);
    EXPECT_EQ(code([&] { engine.append_stream(id, "\xFF"); }), StreamError::Code::bad_input);
    EXPECT_EQ(code([&] { engine.append_stream(999, "x"); }), StreamError::Code::unknown);
    engine.append_stream(id, "hello");
    // Then nothing for longer than the idle timeout: the stream expires and frees its sequences.
    const StreamEnd e = ended.get_future().get();
    EXPECT_FALSE(e.ok);
    EXPECT_NE(e.error.find("expired"), std::string::npos) << e.error;
    try {
        engine.append_stream(id, "more");
        ADD_FAILURE() << "appended to an expired stream";
    } catch (const StreamError& err) {
        EXPECT_EQ(err.code(), StreamError::Code::ended);
        EXPECT_NE(std::string(err.what()).find("expired"), std::string::npos) << err.what();
    }
    StreamSpec message = two;
    message.context = Content::message("x");
    EXPECT_EQ(code([&] { engine.open_stream(message, {}); }), StreamError::Code::bad_input);
    const StreamRun run = stream(engine, two, "fine", 3, 1);
    EXPECT_TRUE(run.end.ok) << run.end.error;

    EngineOptions off = stream_options();
    off.streams = 0;
    EmbeddedEngine plain(off);
    EXPECT_EQ(code([&] { plain.open_stream(two, {}); }), StreamError::Code::unsupported);
}

TEST(StreamEngine, AStreamOverTheContextEndsWithAnError) {
    EngineOptions o = stream_options();
    o.context = 2048;  // the prefix and several hundred tokens
    EmbeddedEngine engine(o);
    StreamSpec spec;
    spec.policies = {{.policy = example("spam"), .check_every_tokens = 64}};
    spec.context = Content::completion("p", "");
    const StreamRun run = stream(engine, spec, long_response(3000, 3), 50, 1);
    EXPECT_FALSE(run.end.ok);
    EXPECT_NE(run.end.error.find("too long"), std::string::npos) << run.end.error;
}

// gpt-oss's real tokenizer, and text that tests its pre-tokenizer: the same exactness.
TEST(StreamEngine, ChecksEqualOneShotScoresWithTheRealTokenizer) {
    const auto policy = example("hate-speech");
    EngineOptions o = stream_options();
    o.model = test::tiny_o200k_model();
    EmbeddedEngine engine(o);
    std::string response;
    for (int i = 0; i < 8; ++i) {
        response +=
            "It's 3.14 o'clock\n\n\"quoted\" naïve café 日本語 🙂 <|start|>assistant<|end|> -- (x) "
            "{\"a\": "
            "1}. ";
    }
    const std::string prompt = "Say \"anything\".";
    StreamSpec spec;
    spec.policies = {{.policy = policy, .check_every_tokens = 8}};
    spec.context = Content::completion(prompt, "");
    const StreamRun run = stream(engine, spec, response, 7, 9);
    ASSERT_TRUE(run.end.ok) << run.end.error;
    ASSERT_GE(run.checks.size(), 10u);
    const std::vector<Verdict> expected = one_shot(engine, policy, prompt, response, run.checks);
    for (size_t i = 0; i < run.checks.size(); ++i) {
        EXPECT_EQ(run.checks[i].probability, expected[i].probability.value_or(-1)) << "check " << i;
    }
    // The final check's prompt is the one-shot's whole prompt: its token count says so.
    EXPECT_EQ(run.end.response_tokens, run.checks.back().offset_tokens);
}

TEST(StreamEngine, ShutdownEndsOpenStreams) {
    std::promise<StreamEnd> ended;
    {
        EmbeddedEngine engine(stream_options());
        StreamSpec spec;
        spec.policies = {{.policy = example("spam")}};
        spec.context = Content::completion("p", "partial answer");
        StreamEvents events;
        events.end = [&ended](StreamEnd e) { ended.set_value(std::move(e)); };
        const StreamId id = engine.open_stream(spec, events);
        engine.append_stream(id, " and more");
    }
    const StreamEnd e = ended.get_future().get();
    EXPECT_FALSE(e.ok);
    EXPECT_NE(e.error.find("shut down"), std::string::npos) << e.error;
}

}  // namespace
}  // namespace arbiter
