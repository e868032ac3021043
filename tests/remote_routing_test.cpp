// Where the remote backend sends requests: cache-aware routing (rendezvous hashing with bounded
// load), a job's steps on one server, ejection moving only the ejected server's keys; and the
// transport: kept-alive connections and 429s retried after their Retry-After.

#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <set>
#include <thread>

#include "harmony/classification.h"
#include "remote/endpoint_pool.h"
#include "remote/remote_backend.h"
#include "support/remote_jobs.h"

namespace arbiter {
namespace {

using namespace std::chrono_literals;
using remote::EndpointPool;
using remote::Route;

const std::vector<std::string> kServers = {"http://gpu1:8000", "http://gpu2:8000", "http://gpu3:8000"};

EndpointPool::Clock::time_point soon() {
    return EndpointPool::Clock::now() + 100ms;
}

// Where each of `keys` goes on an idle pool.
std::map<uint64_t, size_t> placement(EndpointPool& pool, int keys) {
    std::map<uint64_t, size_t> at;
    for (int k = 0; k < keys; ++k) {
        const uint64_t key = remote::affinity_key("policy " + std::to_string(k));
        const auto e = pool.acquire(soon(), nullptr, Route{key, std::nullopt, std::nullopt});
        EXPECT_TRUE(e.has_value());
        at[key] = *e;
        pool.release(*e, true);
    }
    return at;
}

TEST(RemoteRouting, OneKeyMeetsOneServerAndKeysSpreadOverAll) {
    EndpointPool pool(kServers, 8, 3, 1s);
    const auto at = placement(pool, 300);
    std::map<size_t, int> per_server;
    for (const auto& [key, server] : at) per_server[server]++;
    ASSERT_EQ(per_server.size(), 3u);
    for (const auto& [server, n] : per_server) EXPECT_GT(n, 60) << server;  // about 100 each
    EXPECT_EQ(placement(pool, 300), at);  // the same key, the same server, every time

    // Another process listing the servers in another order places every key alike.
    EndpointPool reordered({kServers[2], kServers[0], kServers[1]}, 8, 3, 1s);
    const std::vector<size_t> map_to_original = {2, 0, 1};
    for (const auto& [key, server] : placement(reordered, 300))
        EXPECT_EQ(map_to_original[server], at.at(key));
}

TEST(RemoteRouting, EjectingAServerMovesOnlyItsKeys) {
    EndpointPool pool(kServers, 8, 1, 1h);
    const auto before = placement(pool, 300);
    const auto e = pool.acquire(soon(), nullptr);
    pool.release(*e, false);  // one failure ejects it
    ASSERT_FALSE(pool.state(*e).in_rotation);
    int moved = 0;
    for (const auto& [key, server] : placement(pool, 300)) {
        EXPECT_NE(server, *e);
        if (before.at(key) != *e) {
            EXPECT_EQ(server, before.at(key));
        }
        moved += before.at(key) != server ? 1 : 0;
    }
    EXPECT_EQ(moved,
              std::count_if(before.begin(), before.end(), [&](const auto& p) { return p.second == *e; }));
}

TEST(RemoteRouting, OneHotKeySpillsOverAtTheLoadBound) {
    EndpointPool pool(kServers, 64, 3, 1s);
    const uint64_t hot = remote::affinity_key("the busiest policy");
    std::vector<int> load(3, 0);
    for (int i = 1; i <= 60; ++i) {
        const auto e = pool.acquire(soon(), nullptr, Route{hot, std::nullopt, std::nullopt});
        ASSERT_TRUE(e.has_value());
        load[*e]++;
        // Never above 1.1 times the mean (rounded up), however hot one key is.
        for (const int l : load) EXPECT_LE(l, std::ceil(1.1 * i / 3.0)) << "after " << i;
    }
    EXPECT_GT(*std::max_element(load.begin(), load.end()), *std::min_element(load.begin(), load.end()));
}

TEST(RemoteRouting, AJobsLaterStepsWaitForItsServer) {
    EndpointPool pool(kServers, 2, 3, 1s);
    const uint64_t key = remote::affinity_key("spam");
    const auto first = pool.acquire(soon(), nullptr, Route{key, std::nullopt, std::nullopt});
    // Least-outstanding would leave for an idle server; the pin stays.
    EXPECT_EQ(pool.acquire(soon(), nullptr, Route{std::nullopt, first, std::nullopt}), first);
    // Full: the step waits for its server rather than take an idle one ...
    EXPECT_FALSE(
        pool.acquire(EndpointPool::Clock::now() + 20ms, nullptr, Route{std::nullopt, first, std::nullopt}));
    // ... and gets it as soon as it has room.
    std::thread release([&] {
        std::this_thread::sleep_for(20ms);
        pool.release(*first, true);
    });
    EXPECT_EQ(pool.acquire(soon(), nullptr, Route{std::nullopt, first, std::nullopt}), first);
    release.join();
    // A pinned server that just failed is avoided.
    EndpointPool fresh(kServers, 8, 3, 1s);
    EXPECT_NE(fresh.acquire(soon(), nullptr, Route{std::nullopt, first, first}), first);
}

// Under load every server is full; a keyed request waits for its own server, so one policy's
// jobs do not scatter over whichever server frees first.
TEST(RemoteRouting, KeyedRequestsQueueForTheirServerUnderLoad) {
    EndpointPool pool(kServers, 1, 3, 1s);
    for (size_t i = 0; i < kServers.size(); ++i) ASSERT_TRUE(pool.acquire(soon(), nullptr));  // all full
    const uint64_t key = remote::affinity_key("spam");
    std::atomic<int> got{-1};  // -1: still waiting
    std::thread waiter([&] {
        const auto e =
            pool.acquire(EndpointPool::Clock::now() + 2s, nullptr, Route{key, std::nullopt, std::nullopt});
        got = e ? static_cast<int>(*e) : -2;
    });
    std::this_thread::sleep_for(20ms);
    EndpointPool idle(kServers, 1, 3, 1s);
    const auto own = idle.acquire(soon(), nullptr, Route{key, std::nullopt, std::nullopt});
    const size_t other = (*own + 1) % kServers.size();
    pool.release(other, true);  // another server frees first: the waiter stays
    std::this_thread::sleep_for(20ms);
    EXPECT_EQ(got, -1);
    pool.release(*own, true);
    waiter.join();
    EXPECT_EQ(got, static_cast<int>(*own));
}

// An HTTP server counting the connections its requests came on.
class CountingServer {
public:
    explicit CountingServer(const httplib::Server::Handler& handler) {
        server_.Get("/health", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{}", "application/json");
        });
        server_.Post("/v1/chat/completions",
                     [this, handler](const httplib::Request& req, httplib::Response& res) {
                         {
                             std::lock_guard lock(mutex_);
                             ports_.insert(req.remote_port);
                             requests_++;
                         }
                         handler(req, res);
                     });
        server_.set_keep_alive_max_count(100);  // httplib's default closes after 5 requests
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(1ms);
    }
    ~CountingServer() {
        server_.stop();
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    size_t connections() const {
        std::lock_guard lock(mutex_);
        return ports_.size();
    }
    int requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    httplib::Server server_;
    mutable std::mutex mutex_;
    std::set<int> ports_;
    int requests_ = 0;
    int port_ = 0;
    std::thread thread_;
};

constexpr const char* kReply = R"({"choices": [{"index": 0, "finish_reason": "stop",
  "message": {"role": "assistant", "content": "1", "reasoning_content": "spam"}}],
  "usage": {"prompt_tokens": 300, "completion_tokens": 3, "prompt_tokens_details": {"cached_tokens": 200}}})";

remote::RemoteOptions chat_options(const std::string& url) {
    remote::RemoteOptions o;
    o.endpoints = {url};
    o.retries = 2;
    o.timeout_s = 10;
    o.failures_to_eject = 1;
    return o;
}

TEST(RemoteTransport, RequestsReuseKeptAliveConnectionsAndEachServerIsCounted) {
    CountingServer server(
        [](const httplib::Request&, httplib::Response& res) { res.set_content(kReply, "application/json"); });
    remote::RemoteOptions o = chat_options(server.url());
    o.health_path = "";  // no probes: only the jobs' requests connect
    remote::RemoteBackend backend(o);
    for (int i = 0; i < 6; ++i)
        ASSERT_EQ(test::classify_all(backend, {test::spam_job("x")})[0].status, VerdictStatus::ok);
    EXPECT_EQ(server.requests(), 6);
    EXPECT_EQ(server.connections(), 1u);  // one after another: one connection, kept alive
    EXPECT_EQ(backend.server_loads()[0].jobs, 6u);
    o.routing = remote::Routing::least_outstanding;  // counted whatever the routing
    remote::RemoteBackend counted(o);
    for (int i = 0; i < 6; ++i)
        ASSERT_EQ(test::classify_all(counted, {test::spam_job("x")})[0].status, VerdictStatus::ok);
    const std::vector<ServerLoad> loads = counted.server_loads();
    ASSERT_EQ(loads.size(), 1u);
    EXPECT_EQ(loads[0].jobs, 6u);
    EXPECT_EQ(loads[0].prompt_tokens, 1800u);
    EXPECT_EQ(loads[0].cached_tokens, 1200u);
    EXPECT_TRUE(loads[0].in_rotation);
}

TEST(RemoteTransport, A429IsRetriedAfterItsRetryAfterWithoutEjecting) {
    std::atomic<int> calls{0};
    CountingServer server([&](const httplib::Request&, httplib::Response& res) {
        if (calls++ == 0) {
            res.status = 429;
            res.set_header("Retry-After", "1");
            res.set_content(R"({"error": {"message": "busy"}})", "application/json");
            return;
        }
        res.set_content(kReply, "application/json");
    });
    remote::RemoteBackend backend(chat_options(server.url()));
    const auto started = std::chrono::steady_clock::now();
    const Verdict v = test::classify_all(backend, {test::spam_job("x")})[0];
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    ASSERT_EQ(v.status, VerdictStatus::ok) << v.error;
    EXPECT_GE(waited, 0.95);  // the server's second, not a 0.2 s backoff
    EXPECT_LT(waited, 5.0);
    EXPECT_EQ(backend.stats().retries, 1u);
    EXPECT_TRUE(backend.endpoint_state(0).in_rotation);  // busy is not sick
}

// One server asks for an hour's pause: the job goes to the other at once, later jobs that prefer
// the held server too, and it stays in rotation, held, not ejected.
TEST(RemoteTransport, ALongRetryAfterHoldsThatServerWhileOthersServe) {
    CountingServer busy([](const httplib::Request&, httplib::Response& res) {
        res.status = 429;
        res.set_header("Retry-After", "3600");
        res.set_content(R"({"error": {"message": "busy"}})", "application/json");
    });
    CountingServer free_server(
        [](const httplib::Request&, httplib::Response& res) { res.set_content(kReply, "application/json"); });
    remote::RemoteOptions o = chat_options(busy.url());
    o.endpoints.push_back(free_server.url());
    // A policy whose prefix prefers the busy server (found with a pool named as the backend's).
    EndpointPool names(o.endpoints, 8, 3, 1s);
    Job job = test::spam_job("x");
    for (int variant = 0;; ++variant) {
        auto policy = std::make_shared<Policy>(*test::spam_policy());
        policy->text += "\n" + std::to_string(variant);
        job.policy = policy;
        const uint64_t key = remote::affinity_key(harmony::classification_prompt(job).prefix.str());
        const auto e = names.acquire(soon(), nullptr, Route{key, std::nullopt, std::nullopt});
        names.release(*e, true);
        if (*e == 0) break;
    }
    remote::RemoteBackend backend(o);
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; ++i) ASSERT_EQ(test::classify_all(backend, {job})[0].status, VerdictStatus::ok);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
    EXPECT_EQ(busy.requests(), 1);  // held after its 429: no more requests
    EXPECT_TRUE(backend.endpoint_state(0).in_rotation);
}

}  // namespace
}  // namespace arbiter
