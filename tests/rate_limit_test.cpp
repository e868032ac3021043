// Per-key rate limits (core/rate_limit.h): the buckets on a clock the test moves, then over HTTP
// (http/admission.h): a key over its limit gets 429 with Retry-After and OpenAI's x-ratelimit-*
// headers, held back by the transport, while another key goes on; requests per day; jobs
// (items times policies) per second; the limits in the keys file and the configuration.

#include "core/rate_limit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "http/api_keys.h"
#include "service/service_config.h"
#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using Clock = RateBuckets::Clock;
using nlohmann::json;
using std::chrono::milliseconds;

TEST(RateBuckets, ABurstThenTheRate) {
    RateBuckets buckets;
    const RateLimit limit{.requests_per_second = 2, .burst = 3};
    const Clock::time_point t0 = Clock::now();
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(buckets.request("a", limit, t0, 1).admitted) << i;
    const RateDecision refused = buckets.request("a", limit, t0, 1);
    EXPECT_FALSE(refused.admitted);
    EXPECT_NEAR(refused.retry_after_seconds, 0.5, 1e-9);  // one token at 2 a second
    EXPECT_EQ(refused.limit, 3);
    EXPECT_TRUE(buckets.request("b", limit, t0, 1).admitted) << "another key has its own bucket";
    const RateDecision later = buckets.request("a", limit, t0 + milliseconds(500), 1);
    EXPECT_TRUE(later.admitted);
    EXPECT_EQ(later.remaining, 0);
    EXPECT_TRUE(buckets.request("a", {}, t0, 1).admitted) << "no limit";
}

TEST(RateBuckets, ABucketHoldsAtLeastOneAndAKeyOverridesOnlyWhatItSets) {
    RateBuckets buckets;
    EXPECT_TRUE(buckets.request("a", {.requests_per_second = 0.5, .burst = 0.5}, Clock::now(), 1).admitted);
    RateLimit own = kUnsetLimit;
    own.per_day = 10;
    EXPECT_EQ(over(own, {.requests_per_second = 5, .burst = 0, .jobs_per_second = 7, .per_day = 0}),
              (RateLimit{5, 0, 7, 10}));
    own.jobs_per_second = 0;  // none, whatever the default says
    EXPECT_EQ(over(own, {.jobs_per_second = 7}).jobs_per_second, 0);
}

TEST(RateBuckets, JobsNeverRunAreGivenBack) {
    RateBuckets buckets;
    const RateLimit limit{.jobs_per_second = 2};
    const Clock::time_point t0 = Clock::now();
    EXPECT_EQ(buckets.jobs("a", limit, 2, t0), 0);
    EXPECT_GT(buckets.jobs("a", limit, 2, t0), 0);
    buckets.give_back_jobs("a", 2);
    EXPECT_EQ(buckets.jobs("a", limit, 2, t0), 0);
}

TEST(RateBuckets, RequestsPerDayCountFromMidnight) {
    RateBuckets buckets;
    const RateLimit limit{.per_day = 2};
    const Clock::time_point t0 = Clock::now();
    EXPECT_TRUE(buckets.request("a", limit, t0, 10).admitted);
    EXPECT_EQ(buckets.request("a", limit, t0, 10).remaining, 0);
    const RateDecision refused = buckets.request("a", limit, t0, 10);
    EXPECT_FALSE(refused.admitted);
    EXPECT_GT(refused.retry_after_seconds, 0);
    EXPECT_LE(refused.retry_after_seconds, 86400);
    EXPECT_TRUE(buckets.request("a", limit, t0, 11).admitted) << "a new day";
}

TEST(RateBuckets, JobsGoInWhileThereIsRoomAndABigRequestWhenTheBucketIsFull) {
    RateBuckets buckets;
    const RateLimit limit{.jobs_per_second = 4};
    const Clock::time_point t0 = Clock::now();
    EXPECT_EQ(buckets.jobs("a", limit, 3, t0), 0);
    EXPECT_NEAR(buckets.jobs("a", limit, 3, t0), 0.5, 1e-9);  // 1 left, 3 needed, 4 a second
    EXPECT_EQ(buckets.jobs("a", limit, 3, t0 + milliseconds(500)), 0);
    // Ten jobs at once: more than a second's worth, in once the bucket is full, then owed.
    EXPECT_EQ(buckets.jobs("b", limit, 10, t0), 0);
    EXPECT_NEAR(buckets.jobs("b", limit, 1, t0), 7.0 / 4, 1e-9);
}

TEST(RateLimitConfig, TheKeysFileAndTheConfigurationSayTheLimits) {
    const std::string hash(64, 'a');
    const std::string file =
        test::write_file("limits-keys.txt", "app classify " + hash +
                                                " requests_per_second=5 burst=10 per_day=1000\n"
                                                "other classify " +
                                                std::string(64, 'b') + "\n");
    const service::ApiKeys keys = service::ApiKeys::load(file);
    EXPECT_EQ(keys.size(), 2u);
    for (const auto& [line, says] : std::vector<std::pair<std::string, std::string>>{
             {"app classify " + hash + " rps=5\n", "a limit is name=number"},
             {"app classify " + hash + " per_day=lots\n", "a limit is name=number"},
             {"app classify " + hash + " burst=-1\n", "a limit is name=number"},
             {"app classify " + hash + " per_day=0.5\n", "a limit is name=number"}}) {
        try {
            service::ApiKeys::load(test::write_file("limits-bad.txt", line));
            ADD_FAILURE() << "accepted: " << line;
        } catch (const service::ApiKeyError& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
        }
    }
    const service::ServiceConfig c = service::load_service_config(
        test::write_file("limits.yaml",
                         "server:\n  rate_limit: {requests_per_second: 50, burst: 100, jobs_per_second: 200, "
                         "per_day: 100000}\n"));
    EXPECT_EQ(c.rate_limit, (RateLimit{50, 100, 200, 100000}));
    EXPECT_THROW(service::load_service_config(
                     test::write_file("limits-bad.yaml", "server:\n  rate_limit: {rps: 5}\n")),
                 service::ConfigError);
}

// The keys file of the HTTP tests: `slow` has its own limits, `fast` the configuration's.
struct LimitedKeys {
    std::string file = (test::scratch_dir() / "limited-keys.txt").string();
    std::string slow;
    std::string fast;
    LimitedKeys(const std::string& slow_limits) {
        std::filesystem::remove(file);
        slow = test::new_api_key(file, "slow", "classify");
        fast = test::new_api_key(file, "fast", "classify");
        std::ifstream in(file);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        text = std::regex_replace(text, std::regex("(slow classify [0-9a-f]{64})"), "$1 " + slow_limits);
        std::ofstream(file) << text;
    }
};

TEST(RateLimits, AKeyOverItsLimitIs429WithRetryAfterAndTheOthersGoOn) {
    // A token every 10 s: no refill between the test's requests, however slow the build.
    const LimitedKeys keys("requests_per_second=0.1 burst=2");
    const std::string config =
        test::write_config("limits-http", "server:\n  rate_limit: {requests_per_second: 1000}\n");
    test::ServerProcess server(test::fresh_db("limits-http"),
                               {"--policies", test::kPolicies, "--api-keys", keys.file, "--config", config});
    const test::Reply first = test::send(server.port(), "GET", "/v1/policies", "", keys.slow);
    ASSERT_EQ(first.status, 200) << first.text;
    EXPECT_EQ(first.headers.find("x-ratelimit-limit-requests")->second, "2");
    EXPECT_EQ(first.headers.find("x-ratelimit-remaining-requests")->second, "1");
    EXPECT_EQ(test::send(server.port(), "GET", "/v1/policies", "", keys.slow).status, 200);
    const auto start = std::chrono::steady_clock::now();
    const test::Reply refused = test::send(server.port(), "GET", "/v1/policies", "", keys.slow);
    const double held = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(refused.status, 429) << refused.text;
    const int retry_after = std::stoi(refused.headers.find("Retry-After")->second);
    EXPECT_GE(retry_after, 1);
    EXPECT_LE(retry_after, 10);
    EXPECT_EQ(refused.headers.find("x-ratelimit-remaining-requests")->second, "0");
    EXPECT_TRUE(refused.headers.contains("x-ratelimit-reset-requests"));
    EXPECT_NE(refused.body["error"]["message"].get<std::string>().find("'slow'"), std::string::npos);
    // Held back up to a second, so a client that asks again at once cannot spin the server.
    EXPECT_GT(held, 0.3);
    EXPECT_LT(held, 3.0);
    const test::Reply other = test::send(server.port(), "GET", "/v1/policies", "", keys.fast);
    EXPECT_EQ(other.status, 200) << "another key was refused: " << other.text;
    EXPECT_EQ(other.headers.find("x-ratelimit-limit-requests")->second, "1000");
    // Refusals are counted as such.
    const std::string metrics = test::send(server.port(), "GET", "/metrics", "", keys.fast).text;
    EXPECT_NE(metrics.find("status=\"429\""), std::string::npos);
}

TEST(RateLimits, RequestsPerDayAndJobsPerSecond) {
    // One job's room, refilled in 10 s: the second request finds none, however slow the build.
    const LimitedKeys keys("per_day=2 jobs_per_second=0.1");
    test::ServerProcess server(test::fresh_db("limits-jobs"),
                               {"--policies", test::kPolicies, "--api-keys", keys.file});
    const json two_jobs = {{"policies", {"spam", "hate-speech"}}, {"content", "hello"}, {"mode", "score"}};
    const test::Reply classified = test::post(server.port(), "/v1/classify", two_jobs, keys.slow);
    EXPECT_EQ(classified.status, 200) << classified.text;
    const test::Reply over_jobs = test::post(server.port(), "/v1/classify", two_jobs, keys.slow);
    EXPECT_EQ(over_jobs.status, 429) << over_jobs.text;
    EXPECT_NE(over_jobs.text.find("jobs_per_second"), std::string::npos) << over_jobs.text;
    const test::Reply over_day = test::send(server.port(), "GET", "/v1/policies", "", keys.slow);
    EXPECT_EQ(over_day.status, 429) << over_day.text;
    EXPECT_GT(std::stoi(over_day.headers.find("Retry-After")->second), 0);
    EXPECT_EQ(test::post(server.port(), "/v1/classify", two_jobs, keys.fast).status, 200);
}

// A key kept in the database (`arbiter apikey --db --limit`) has its own limits, as a keys file's
// line does; a limit that is not one is refused before anything is stored.
TEST(RateLimits, AKeyInTheDatabaseHasTheLimitsItWasMadeWith) {
    const std::filesystem::path db = test::fresh_db("limits-db");
    const std::string make =
        test::built_binary("arbiter") + " apikey --role classify --db '" + db.string() + "'";
    EXPECT_EQ(test::run_command(make + " --name bad --limit requests_per_second=fast").exit_code, 2);
    const test::CommandResult made =
        test::run_command(make + " --name slow --limit requests_per_second=0.1 --limit burst=1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    std::smatch key;
    ASSERT_TRUE(std::regex_search(made.output, key, std::regex("arb_[A-Za-z0-9_-]{43}")));
    test::ServerProcess server(db, {"--policies", test::kPolicies});
    const test::Reply first = test::send(server.port(), "GET", "/v1/policies", "", key.str());
    ASSERT_EQ(first.status, 200) << first.text;
    EXPECT_EQ(first.headers.find("x-ratelimit-limit-requests")->second, "1");
    EXPECT_EQ(test::send(server.port(), "GET", "/v1/policies", "", key.str()).status, 429);
}

// Perspective's clients send their key as ?key=, where the router does not look: the route counts
// it against the key's limit itself, and refuses in Google's error shape.
TEST(RateLimits, PerspectivesKeyInTheQueryIsLimitedToo) {
    const LimitedKeys keys("requests_per_second=0.1 burst=1");
    const std::string config =
        test::write_config("limits-perspective", "perspective:\n  attributes: {TOXICITY: spam}\n");
    test::ServerProcess server(test::fresh_db("limits-perspective"),
                               {"--policies", test::kPolicies, "--api-keys", keys.file, "--config", config});
    const std::string body =
        R"({"comment": {"text": "hello there"}, "requestedAttributes": {"TOXICITY": {}}})";
    const auto analyze = [&](const std::string& key) {
        return test::send(server.port(), "POST", "/v1alpha1/comments:analyze?key=" + key, body);
    };
    ASSERT_EQ(analyze(keys.slow).status, 200);
    const test::Reply refused = analyze(keys.slow);
    EXPECT_EQ(refused.status, 429) << refused.text;
    EXPECT_EQ(refused.body["error"]["status"], "RESOURCE_EXHAUSTED");
    EXPECT_TRUE(refused.headers.contains("Retry-After"));
    EXPECT_EQ(refused.headers.find("x-ratelimit-remaining-requests")->second, "0");
    EXPECT_EQ(analyze(keys.fast).status, 200);  // another key goes on
}

}  // namespace
}  // namespace arbiter
