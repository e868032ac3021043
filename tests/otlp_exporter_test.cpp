// The OTLP/HTTP exporter against a collector the test starts: batches by size, everything queued
// sent on destruction, a full queue dropped and counted without blocking, and the endpoint read
// as a base URL or as the traces URL itself.

#include "remote/otlp_exporter.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace arbiter::remote {
namespace {

// Keeps the spans of every POST, by the path they came to.
class Collector {
public:
    Collector() {
        server_.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
            const nlohmann::json body = nlohmann::json::parse(req.body);
            std::lock_guard lock(mutex_);
            paths_.push_back(req.path);
            posts_.push_back(body["resourceSpans"][0]["scopeSpans"][0]["spans"].size());
            res.set_content("{}", "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~Collector() {
        server_.stop();
        thread_.join();
    }
    Collector(const Collector&) = delete;
    Collector& operator=(const Collector&) = delete;

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Spans per POST, in order, once there are `n` POSTs (or 10 s have passed).
    std::vector<size_t> posts(size_t n) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (;;) {
            {
                std::lock_guard lock(mutex_);
                if (posts_.size() >= n || std::chrono::steady_clock::now() > end) return posts_;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    std::vector<std::string> paths() {
        std::lock_guard lock(mutex_);
        return paths_;
    }

private:
    httplib::Server server_;
    std::mutex mutex_;
    std::vector<size_t> posts_;
    std::vector<std::string> paths_;
    int port_ = 0;
    std::thread thread_;
};

Span span(int i) {
    return {.name = "s" + std::to_string(i),
            .context = {.trace_id = new_trace_id(), .span_id = new_span_id(), .flags = 1},
            .start_unix_nanos = unix_nanos()};
}

TEST(OtlpExporter, SendsFullBatchesAtOnceAndTheRestOnDestruction) {
    Collector collector;
    {
        OtlpExporter exporter({.endpoint = collector.url(), .batch = 3, .interval = std::chrono::hours(1)});
        for (int i = 0; i < 7; ++i) exporter.record(span(i));
        EXPECT_EQ(collector.posts(2), (std::vector<size_t>{3, 3}));  // no interval passed: by size
        EXPECT_EQ(exporter.dropped(), 0u);
    }
    EXPECT_EQ(collector.posts(3), (std::vector<size_t>{3, 3, 1}));
    EXPECT_EQ(collector.paths(), (std::vector<std::string>(3, "/v1/traces")));
}

TEST(OtlpExporter, AFullQueueDropsAndCountsWithoutWaiting) {
    Collector collector;
    OtlpExporter exporter(
        {.endpoint = collector.url(), .max_queue = 2, .batch = 100, .interval = std::chrono::hours(1)});
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5; ++i) exporter.record(span(i));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    EXPECT_EQ(exporter.dropped(), 3u);
    EXPECT_EQ(exporter.sent(), 0u);
}

TEST(OtlpExporter, ReadsTheEndpointAsABaseOrAsTheTracesUrl) {
    Collector collector;
    {
        OtlpExporter full(
            {.endpoint = collector.url() + "/v1/traces", .interval = std::chrono::milliseconds(10)});
        full.record(span(1));
        collector.posts(1);
        OtlpExporter prefixed(
            {.endpoint = collector.url() + "/otel", .interval = std::chrono::milliseconds(10)});
        prefixed.record(span(2));
        collector.posts(2);
    }
    EXPECT_EQ(collector.paths(), (std::vector<std::string>{"/v1/traces", "/otel/v1/traces"}));
    EXPECT_THROW(OtlpExporter({.endpoint = "collector:4318"}), std::invalid_argument);
}

}  // namespace
}  // namespace arbiter::remote
