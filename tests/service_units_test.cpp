// The service's parts on their own: the bounded job runner against a scripted backend, the
// bounded worker pool, body decoding, request targets, API keys and the configuration file.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "http/api_keys.h"
#include "http/body_decoding.h"
#include "http/body_stream.h"
#include "http/http_message.h"
#include "http/worker_pool.h"
#include "server/server.h"
#include "service/job_runner.h"
#include "service/service_config.h"
#include "support/gzip.h"
#include "support/test_model.h"

namespace arbiter::service {
namespace {

using namespace std::chrono_literals;

// A backend that holds every job until the test answers it (or, if `answer_on_cancel`, until it
// is cancelled).
class ScriptedBackend : public Backend {
public:
    bool answer_at_once = false;
    bool answer_on_cancel = true;
    bool throw_on_submit = false;

    JobId submit(Job job, Done done) override {
        if (throw_on_submit) throw std::runtime_error("backend refused");
        std::unique_lock lock(mutex_);
        const JobId id = next_++;
        Verdict v;
        v.policy_id = job.policy->id;
        v.status = VerdictStatus::ok;
        v.violation = job.content.text == "bad";
        if (answer_at_once) {
            lock.unlock();
            done(std::move(v));
            return id;
        }
        held_[id] = {std::move(done), std::move(v)};
        return id;
    }

    void cancel(JobId id) override {
        std::unique_lock lock(mutex_);
        cancelled_.push_back(id);
        if (!answer_on_cancel) return;
        auto it = held_.find(id);
        if (it == held_.end()) return;
        auto [done, v] = std::move(it->second);
        held_.erase(it);
        lock.unlock();
        v.status = VerdictStatus::error;
        v.error = "cancelled";
        done(std::move(v));
    }

    // Answers everything still held.
    void answer_all() {
        std::map<JobId, std::pair<Done, Verdict>> held;
        {
            std::lock_guard lock(mutex_);
            held.swap(held_);
        }
        for (auto& [id, pair] : held) pair.first(std::move(pair.second));
    }

    size_t cancelled() {
        std::lock_guard lock(mutex_);
        return cancelled_.size();
    }

private:
    std::mutex mutex_;
    JobId next_ = 1;
    std::map<JobId, std::pair<Done, Verdict>> held_;
    std::vector<JobId> cancelled_;
};

std::vector<Job> jobs(const std::vector<std::string>& texts) {
    Policy p;
    p.id = "p";
    p.text = "t";
    auto policy = std::make_shared<const Policy>(std::move(p));
    std::vector<Job> out;
    for (const std::string& text : texts) {
        Job job;
        job.policy = policy;
        job.content = Content::message(text);
        out.push_back(std::move(job));
    }
    return out;
}

TEST(BodyStream, AReaderThatFallsBehindCancelsTheBody) {
    service::BodyStream body(10);
    int cancelled = 0;
    body.on_cancel([&] { ++cancelled; });
    int woken = 0;
    body.attach([&] { ++woken; });
    EXPECT_TRUE(body.write("12345"));
    EXPECT_TRUE(body.write("67890"));
    EXPECT_EQ(woken, 2);
    EXPECT_FALSE(body.write("x"));  // an 11th byte not yet taken: the client does not keep up
    EXPECT_TRUE(body.cancelled());
    EXPECT_EQ(cancelled, 1);
    EXPECT_FALSE(body.write("y"));
    body.cancel();
    EXPECT_EQ(cancelled, 1);  // once
    int late = 0;
    body.on_cancel([&] { ++late; });  // registered after the fact: runs at once
    EXPECT_EQ(late, 1);
}

TEST(BodyStream, FinishedBodiesTakeNoMoreAndCancelNothing) {
    service::BodyStream body(100);
    int cancelled = 0;
    body.on_cancel([&] { ++cancelled; });
    EXPECT_TRUE(body.write("ab"));
    body.finish();
    EXPECT_FALSE(body.write("c"));
    const service::BodyStream::Taken taken = body.take();
    EXPECT_EQ(taken.bytes, "ab");
    EXPECT_TRUE(taken.finished);
    body.cancel();
    EXPECT_EQ(cancelled, 0);
}

TEST(JobRunner, AnswersInOrderAndFreesItsSlots) {
    ScriptedBackend backend;
    backend.answer_at_once = true;
    JobRunner runner(backend, 4);
    const auto verdicts = runner.run(jobs({"ok", "bad", "ok"}), std::chrono::steady_clock::now() + 10s);
    ASSERT_TRUE(verdicts);
    ASSERT_EQ(verdicts->size(), 3u);
    EXPECT_EQ((*verdicts)[0].violation, false);
    EXPECT_EQ((*verdicts)[1].violation, true);
    EXPECT_EQ((*verdicts)[2].violation, false);
    EXPECT_EQ(runner.depth(), 0u);
}

TEST(JobRunner, RefusesWhatDoesNotFitTheQueue) {
    ScriptedBackend backend;
    JobRunner runner(backend, 3);
    auto first = std::async(std::launch::async, [&] {
        return runner.run(jobs({"a", "b"}), std::chrono::steady_clock::now() + 10s);
    });
    while (runner.depth() != 2) std::this_thread::sleep_for(1ms);
    // Two held; two more do not fit in three, one does.
    EXPECT_FALSE(runner.run(jobs({"c", "d"}), std::chrono::steady_clock::now() + 10s));
    auto second = std::async(std::launch::async,
                             [&] { return runner.run(jobs({"e"}), std::chrono::steady_clock::now() + 10s); });
    while (runner.depth() != 3) std::this_thread::sleep_for(1ms);
    backend.answer_all();
    EXPECT_TRUE(first.get());
    EXPECT_TRUE(second.get());
    EXPECT_EQ(runner.depth(), 0u);
}

TEST(JobRunner, CancelsJobsPastTheDeadlineAndReportsTimeouts) {
    ScriptedBackend backend;
    JobRunner runner(backend, 8);
    const auto start = std::chrono::steady_clock::now();
    const auto verdicts = runner.run(jobs({"a", "b"}), start + 10ms);
    ASSERT_TRUE(verdicts);
    // The backend had the grace period to report the timeout itself, then both were cancelled.
    EXPECT_GE(std::chrono::steady_clock::now() - start, JobRunner::kGrace);
    EXPECT_EQ(backend.cancelled(), 2u);
    EXPECT_EQ((*verdicts)[0].status, VerdictStatus::error);  // the backend's own answer to cancel
    EXPECT_EQ(runner.depth(), 0u);
}

TEST(JobRunner, KeepsCountingJobsTheBackendStillHolds) {
    ScriptedBackend backend;
    backend.answer_on_cancel = false;  // a backend that ignores cancel
    JobRunner runner(backend, 8);
    const auto verdicts = runner.run(jobs({"a", "b", "c"}), std::chrono::steady_clock::now() + 1ms);
    ASSERT_TRUE(verdicts);
    for (const Verdict& v : *verdicts) {
        EXPECT_EQ(v.status, VerdictStatus::timeout);
        EXPECT_EQ(v.policy_id, "p");
    }
    // The request gave up, but the backend still holds the work: the queue says so.
    EXPECT_EQ(runner.depth(), 3u);
    backend.answer_all();  // late answers land safely after the request is gone
    EXPECT_EQ(runner.depth(), 0u);
}

TEST(JobRunner, ASubmitThatThrowsIsAnErrorVerdict) {
    ScriptedBackend backend;
    backend.throw_on_submit = true;
    JobRunner runner(backend, 8);
    const auto verdicts = runner.run(jobs({"a"}), std::chrono::steady_clock::now() + 10s);
    ASSERT_TRUE(verdicts);
    EXPECT_EQ((*verdicts)[0].status, VerdictStatus::error);
    EXPECT_EQ((*verdicts)[0].error, "backend refused");
    EXPECT_EQ(runner.depth(), 0u);
}

TEST(WorkerPool, RefusesWhatItCannotHoldAndRunsWhatItQueued) {
    std::atomic<int> ran = 0;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    {
        WorkerPool pool(1, 1);
        std::promise<void> started;
        EXPECT_TRUE(pool.try_submit([&] {
            started.set_value();
            released.wait();
            ++ran;
        }));
        started.get_future().wait();                    // the only worker is busy
        EXPECT_TRUE(pool.try_submit([&] { ++ran; }));   // waits for it
        EXPECT_FALSE(pool.try_submit([&] { ++ran; }));  // the queue holds one: refused, not kept
        release.set_value();
    }  // the destructor runs what was queued
    EXPECT_EQ(ran, 2);
}

TEST(BodyDecoding, LimitsTheDecodedBytesAndNamesBadEncodings) {
    // 1 MiB of zeros is a few KB gzipped: the limit applies to what it inflates to.
    const std::string plain(1 << 20, '0');
    std::string packed = test::gzip(plain);
    ASSERT_LT(packed.size(), 8192u);
    std::string body = packed;
    EXPECT_EQ(decode_body("gzip", body, plain.size() - 1), BodyDecoding::too_large);
    body = packed;
    EXPECT_EQ(decode_body(" GZIP ", body, plain.size()), BodyDecoding::ok);
    EXPECT_EQ(body, plain);
    body = packed.substr(0, packed.size() / 2);
    EXPECT_EQ(decode_body("gzip", body, plain.size()), BodyDecoding::corrupt);
    body = "not gzip at all";
    EXPECT_EQ(decode_body("gzip", body, 100), BodyDecoding::corrupt);
    EXPECT_EQ(decode_body("br", body, 100), BodyDecoding::unsupported);
    EXPECT_EQ(decode_body("gzip, gzip", body, 100), BodyDecoding::unsupported);
    body = "12345";
    EXPECT_EQ(decode_body("", body, 4), BodyDecoding::too_large);
    EXPECT_EQ(decode_body("identity", body, 5), BodyDecoding::ok);
}

TEST(HttpMessage, TargetsSplitIntoAPathAndDecodedParameters) {
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    ASSERT_TRUE(
        split_target("/v1/policies/a%2Bb?version=2&since=2026-01-01T00%3A00%3A00Z&x=a+b&&flag", path, query));
    EXPECT_EQ(path, "/v1/policies/a+b");
    const std::vector<std::pair<std::string, std::string>> expected = {
        {"version", "2"}, {"since", "2026-01-01T00:00:00Z"}, {"x", "a b"}, {"flag", ""}};
    EXPECT_EQ(query, expected);
    EXPECT_FALSE(split_target("/v1/x?a=%4", path, query));
    EXPECT_FALSE(split_target("/v1/%zz", path, query));
    HttpRequest request;
    request.headers = {{"content-TYPE", "text/markdown"}};
    EXPECT_EQ(request.header("Content-Type"), "text/markdown");
    EXPECT_EQ(request.header("Accept"), "");
}

TEST(ApiKeys, FindsTheKeysEntryAndNothingElse) {
    const std::string app = make_api_key();
    const std::string ops = make_api_key();
    EXPECT_NE(app, ops);
    const std::string file = test::write_file(
        "units-keys.txt", "# comment\n\n" + api_key_line("app", Role::classify, app) + "\n" +
                              api_key_line("ops", Role::admin, ops) + "  # trailing comment\n");
    const ApiKeys keys = ApiKeys::load(file);
    EXPECT_EQ(keys.size(), 2u);
    ASSERT_TRUE(keys.find(app));
    EXPECT_EQ(keys.find(app)->name, "app");
    EXPECT_EQ(keys.find(app)->role, Role::classify);
    EXPECT_EQ(keys.find(ops)->role, Role::admin);
    EXPECT_FALSE(keys.find(app + "x"));
    EXPECT_FALSE(keys.find(""));
    EXPECT_FALSE(keys.find(api_key_line("app", Role::classify, app)));
}

TEST(ApiKeys, MalformedFilesNameTheLine) {
    const std::string hash(64, 'a');
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"app classify\n", ":1: expected name, role"},
        {"app classify " + hash + " extra\n", ":1: a limit is name=number"},
        {"\napp owner " + hash + "\n", ":2: role must be classify, review or admin"},
        {"app classify ABC\n", ":1: the key's sha256"},
        {"app classify " + std::string(64, 'A') + "\n", ":1: the key's sha256"},
        {"app classify " + hash + "\napp admin " + hash + "\n", ":2: name 'app' given twice"},
        {"# nothing\n", "holds no keys"},
    };
    for (const auto& [text, says] : cases) {
        const std::string file = test::write_file("units-bad-keys.txt", text);
        try {
            ApiKeys::load(file);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ApiKeyError& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW(ApiKeys::load("/no/such/keys"), ApiKeyError);
}

TEST(ServiceConfig, ReadsEverySetting) {
    const std::string file = test::write_file("units-config.yaml", R"(
server:
  host: 0.0.0.0
  port: 9000
  max_body_bytes: 65536
  max_items: 8
  max_content_tokens: 1000
  queue_depth: 16
  request_timeout_ms: 2500
  http_threads: 4
  on_timeout: fail_open
  store_content: false
policy_sets:
  fast: {policies: [spam], threshold: 0.25, on_timeout: fail_closed}
  slow: {mode: reason}
backend: {engine: embedded}
)");
    const ServiceConfig c = load_service_config(file);
    EXPECT_EQ(c.host, "0.0.0.0");
    EXPECT_EQ(c.port, 9000);
    EXPECT_EQ(c.max_body_bytes, 65536u);
    EXPECT_EQ(c.max_items, 8u);
    EXPECT_EQ(c.max_content_tokens, 1000);
    EXPECT_EQ(c.queue_depth, 16u);
    EXPECT_EQ(c.request_timeout, std::chrono::milliseconds(2500));
    EXPECT_EQ(c.http_threads, 4);
    EXPECT_EQ(c.on_timeout, OnTimeout::fail_open);
    EXPECT_FALSE(c.store_content);
    // The two sets, `default` (every policy) and OpenAI's model names, which select it.
    ASSERT_EQ(c.policy_sets.size(), 3u + kOpenAIModerationModels.size());
    EXPECT_TRUE(c.policy_sets.at("default").policies.empty());
    EXPECT_EQ(c.policy_sets.at("fast").name, "fast");
    EXPECT_EQ(c.policy_sets.at("fast").policies, std::vector<std::string>{"spam"});
    EXPECT_EQ(c.policy_sets.at("fast").threshold, 0.25);
    EXPECT_EQ(c.policy_sets.at("fast").mode, Mode::score);
    EXPECT_EQ(c.policy_sets.at("fast").on_timeout, OnTimeout::fail_closed);
    EXPECT_EQ(c.policy_sets.at("slow").mode, Mode::reason);
    EXPECT_FALSE(c.policy_sets.at("slow").on_timeout);
}

TEST(ServiceConfig, ErrorsNameFileLineAndKey) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"server:\n  port: 70000\n", ":2: port must be from 0 to 65535"},
        {"server:\n  queue_depth: lots\n", ":2: queue_depth must be a number"},
        {"server:\n  on_timeout: shrug\n", ":2: on_timeout must be error, fail_closed or fail_open"},
        {"server:\n  store_content: maybe\n", ":2: store_content must be true or false"},
        {"servers:\n  port: 1\n", ":1: unknown key 'servers'"},
        {"policy_sets:\n  a: {mode: fast}\n", ":2: mode must be score or reason"},
        {"policy_sets:\n  a: {threshold: 2}\n", ":2: threshold must be from"},
        {"policy_sets:\n  a: {policies: spam}\n", ":2: policies must be a list"},
        {"server: [1, 2\n", "units-bad.yaml:"},
        {"mcp:\n  tool_descriptions: hide\n", ":2: tool_descriptions must be withhold, flag or pass"},
        {"mcp:\n  path: /v1/mcp\n", ":2: path must be a path such as /mcp"},
        {"mcp:\n  upstreams: http://x\n", ":2: unknown key 'upstreams'"},
        {"mcp:\n  policies: spam\n", ":2: policies must be a list"},
    };
    for (const auto& [text, says] : cases) {
        const std::string file = test::write_file("units-bad.yaml", text);
        try {
            load_service_config(file);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << text << " -> " << e.what();
        }
    }
}

TEST(ServiceConfig, OpenAIModelNamesSelectTheDefaultSet) {
    // Without a configuration file too: @openai/guardrails sends omni-moderation-latest.
    const ServiceConfig none;
    for (const std::string_view model : kOpenAIModerationModels) {
        ASSERT_TRUE(none.policy_sets.contains(std::string(model))) << model;
        EXPECT_EQ(none.policy_sets.at(std::string(model)).name, "default");
        EXPECT_TRUE(none.policy_sets.at(std::string(model)).policies.empty());
    }
    EXPECT_TRUE(none.policy_sets.at("omni-moderation-latest").categories.empty());
    // A configured default is what they select.
    const ServiceConfig c = load_service_config(test::write_file("units-default.yaml", R"(
policy_sets:
  default: {policies: [spam, self-harm], threshold: 0.3, categories: {self-harm: self-harm}}
)"));
    const PolicySet& latest = c.policy_sets.at("omni-moderation-latest");
    EXPECT_EQ(latest.name, "default");
    EXPECT_EQ(latest.policies, (std::vector<std::string>{"spam", "self-harm"}));
    EXPECT_EQ(latest.threshold, 0.3);
    EXPECT_EQ(latest.categories.at("self-harm"), std::vector<std::string>{"self-harm"});
    EXPECT_EQ(c.policy_sets.at("text-moderation-stable").threshold, 0.3);
}

TEST(ServiceConfig, AliasesAndOpenAICategoryKeys) {
    const ServiceConfig c = load_service_config(test::write_file("units-aliases.yaml", R"(
policy_sets:
  guard:
    policies: [hate-speech, self-harm, spam]
    threshold: 0.2
    aliases: [omni-moderation-latest, house-moderation]
    categories:
      hate-speech: hate
      self-harm: [self-harm, self-harm/intent]
  other: {}
)"));
    for (const char* name : {"guard", "omni-moderation-latest", "house-moderation"}) {
        ASSERT_TRUE(c.policy_sets.contains(name)) << name;
        const PolicySet& set = c.policy_sets.at(name);
        EXPECT_EQ(set.name, "guard") << name;
        EXPECT_EQ(set.threshold, 0.2) << name;
        EXPECT_EQ(set.categories.at("hate-speech"), std::vector<std::string>{"hate"});
        EXPECT_EQ(set.categories.at("self-harm"),
                  (std::vector<std::string>{"self-harm", "self-harm/intent"}));
        EXPECT_FALSE(set.categories.contains("spam"));
    }
    // OpenAI's names that the set does not claim still select `default`.
    EXPECT_EQ(c.policy_sets.at("omni-moderation-2024-09-26").name, "default");
    EXPECT_EQ(c.policy_sets.at("text-moderation-latest").name, "default");
    EXPECT_FALSE(c.policy_sets.contains("hate"));
}

TEST(ServiceConfig, AliasAndCategoryMistakesAreErrors) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"policy_sets:\n  a: {alias: [x]}\n", ":2: unknown key 'alias' in policy set 'a'"},
        {"policy_sets:\n  a: {aliases: x}\n", ":2: aliases must be a list"},
        {"policy_sets:\n  a: {aliases: [b]}\n  b: {}\n",
         ":2: alias 'b' of policy set 'a' is the name of a policy set"},
        {"policy_sets:\n  a: {aliases: [default]}\n", "alias 'default' of policy set 'a' is the name"},
        {"policy_sets:\n  a: {aliases: [m]}\n  b:\n    aliases: [m]\n",
         ":4: alias 'm' is claimed by policy sets 'a' and 'b'"},
        {"policy_sets:\n  a: {aliases: [omni-moderation-latest]}\n  b: {aliases: [omni-moderation-latest]}\n",
         ":3: alias 'omni-moderation-latest' is claimed"},
        {"policy_sets:\n  a: {categories: [hate]}\n", ":2: categories of policy set 'a' must map policy ids"},
        {"policy_sets:\n  a:\n    categories: {x: self_harm}\n",
         ":3: categories of policy set 'a': 'self_harm' is not an OpenAI category"},
        {"policy_sets:\n  a:\n    categories: {x: {k: v}}\n",
         ":3: categories of policy set 'a': 'x' must name"},
        {"policy_sets:\n  a:\n    categories: {x: []}\n", "'x' maps to no category"},
        {"policy_sets:\n  a:\n    categories:\n      x: hate\n      y: [violence, hate]\n",
         ":5: categories of policy set 'a': 'hate' is mapped twice ('x' and 'y')"},
        {"policy_sets:\n  a:\n    categories: {x: [hate, hate]}\n", "'hate' is mapped twice ('x' and 'x')"},
        {"policy_sets:\n  a:\n    policies: [spam]\n    categories: {hate-speech: hate}\n",
         ":4: categories of policy set 'a': 'hate-speech' is not one of the set's policies"},
        {"policy_sets:\n  a:\n    policies: [hate, spam]\n    categories: {spam: hate}\n",
         ":4: categories of policy set 'a': 'hate' is also the id of the set's policy 'hate'"},
    };
    for (const auto& [text, says] : cases) {
        const std::string file = test::write_file("units-bad-aliases.yaml", text);
        try {
            load_service_config(file);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << text << " -> " << e.what();
        }
    }
    // A policy may keep its own id as its key, and a mapped policy frees its id for another.
    EXPECT_NO_THROW(load_service_config(test::write_file("units-ok-aliases.yaml", R"(
policy_sets:
  a:
    policies: [hate, spam]
    categories: {hate: violence, spam: hate}
)")));
    // Built without a file: the same rules.
    const auto set = [](const std::string& name, const std::vector<std::string>& aliases) {
        PolicySet s;
        s.name = name;
        s.aliases = aliases;
        return s;
    };
    EXPECT_THROW(with_model_aliases({{"a", set("a", {"b"})}, {"b", set("b", {})}}), ConfigError);
    EXPECT_THROW(with_model_aliases({{"a", set("a", {"m"})}, {"b", set("b", {"m"})}}), ConfigError);
    EXPECT_EQ(with_model_aliases({{"a", set("a", {"m"})}}).at("m").name, "a");
}

}  // namespace
}  // namespace arbiter::service

namespace arbiter::service {
namespace {

TEST(Loopback, OnlyLoopbackAddressesAndLocalhost) {
    for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost"})
        EXPECT_TRUE(is_loopback_host(host)) << host;
    for (const char* host :
         {"127.evil.example", "127.0.0.1.nip.io", "0.0.0.0", "10.0.0.1", "::", "128.0.0.1", ""})
        EXPECT_FALSE(is_loopback_host(host)) << host;
}

}  // namespace
}  // namespace arbiter::service
