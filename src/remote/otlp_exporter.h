#pragma once
// Sends finished spans to an OpenTelemetry collector over OTLP/HTTP with the JSON encoding (our
// own small exporter: Debian bookworm ships no OpenTelemetry C++ SDK). Spans wait in a bounded
// queue and go in batches from a background thread, every `interval` or once `batch` are waiting;
// a full queue drops the span and counts it, so a request never waits for the collector. Each
// POST has a time limit; a failed one is dropped (counted), not retried. Destruction sends what
// is queued (unless the collector fails then), then stops.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/span.h"

namespace arbiter::remote {

struct OtlpOptions {
    // The collector: its base URL ("http://collector:4318", spans go to /v1/traces under it) or
    // the full URL of its traces endpoint (one ending in /v1/traces).
    std::string endpoint;
    std::string service_name = "arbiter";
    size_t max_queue = 4096;                     // spans waiting; more are dropped
    size_t batch = 512;                          // spans per POST at most
    std::chrono::milliseconds interval{1000};    // the longest a span waits to be sent
    std::chrono::milliseconds post_limit{5000};  // one POST, start to end
};

class OtlpExporter : public SpanSink {
public:
    // Throws std::invalid_argument for an endpoint that is no http:// or https:// URL.
    explicit OtlpExporter(OtlpOptions options);
    ~OtlpExporter() override;
    OtlpExporter(const OtlpExporter&) = delete;
    OtlpExporter& operator=(const OtlpExporter&) = delete;

    void record(Span span) override;

    uint64_t sent() const;     // spans a collector accepted (2xx)
    uint64_t dropped() const;  // spans lost: a full queue or a failed POST

private:
    class Poster;
    void loop();
    bool post(const std::vector<Span>& spans);  // whether the collector accepted them
    void drop_if_stopping();

    const OtlpOptions options_;
    std::unique_ptr<Poster> poster_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Span> queue_;
    bool stopping_ = false;
    uint64_t sent_ = 0;
    uint64_t dropped_ = 0;
    std::thread thread_;
};

}  // namespace arbiter::remote
