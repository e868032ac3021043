// Traces across `arbiter serve` and a remote model server: a caller's W3C traceparent is
// continued, arbiter's spans reach an OTLP/HTTP receiver the test starts with the right parents,
// the model server gets a traceparent naming arbiter's client span, and each decision row keeps
// the trace id. Content stays out of every span unless the configuration lets it in.

#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/trace_context.h"
#include "service/service_config.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::Reply;

// An HTTP server on a free loopback port, run on its own thread, stopped on destruction.
class TestServer {
public:
    TestServer() = default;
    ~TestServer() {
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    void start() {
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

protected:
    httplib::Server server_;
    std::mutex mutex_;

private:
    int port_ = 0;
    std::thread thread_;
};

// An OTLP/HTTP collector: keeps every span POSTed to /v1/traces in JSON.
class OtlpReceiver : public TestServer {
public:
    OtlpReceiver() {
        server_.Post("/v1/traces", [this](const httplib::Request& req, httplib::Response& res) {
            const json body = json::parse(req.body, nullptr, false);
            std::lock_guard lock(mutex_);
            if (req.get_header_value("Content-Type") != "application/json" || body.is_discarded()) {
                res.status = 400;
                return;
            }
            bodies_.push_back(req.body);
            for (const json& resource : body["resourceSpans"]) {
                EXPECT_EQ(resource["resource"]["attributes"][0]["value"]["stringValue"], "arbiter-traces");
                for (const json& scope : resource["scopeSpans"])
                    for (const json& span : scope["spans"]) spans_.push_back(span);
            }
            res.set_content("{}", "application/json");
        });
        start();
    }

    // The spans of `trace_id` once they hold every name in `names` (within 20 s).
    std::vector<json> spans_of(const std::string& trace_id, const std::vector<std::string>& names) {
        const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        for (;;) {
            std::vector<json> found;
            {
                std::lock_guard lock(mutex_);
                for (const json& span : spans_)
                    if (span["traceId"] == trace_id) found.push_back(span);
            }
            size_t present = 0;
            for (const std::string& name : names)
                present +=
                    std::any_of(found.begin(), found.end(), [&](const json& s) { return s["name"] == name; });
            if (present == names.size() || std::chrono::steady_clock::now() > end) return found;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    std::string everything() {
        std::lock_guard lock(mutex_);
        std::string all;
        for (const std::string& b : bodies_) all += b;
        return all;
    }

private:
    std::vector<json> spans_;
    std::vector<std::string> bodies_;
};

// A model server's chat completions endpoint that answers "0" and keeps each request's traceparent.
class ChatServer : public TestServer {
public:
    ChatServer() {
        server_.Get("/health", [](const httplib::Request&, httplib::Response& res) {
            res.set_content("{}", "application/json");
        });
        server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
            {
                std::lock_guard lock(mutex_);
                traceparents_.push_back(req.get_header_value("traceparent"));
            }
            const json answer = {
                {"choices", {{{"message", {{"content", "0"}, {"reasoning_content", "not spam"}}}}}},
                {"usage", {{"prompt_tokens", 120}, {"completion_tokens", 7}}}};
            res.set_content(answer.dump(), "application/json");
        });
        start();
    }
    std::vector<std::string> traceparents() {
        std::lock_guard lock(mutex_);
        return traceparents_;
    }

private:
    std::vector<std::string> traceparents_;
};

Reply classify(int port, const std::string& content, const std::string& traceparent) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(std::chrono::seconds(60));
    httplib::Headers headers;
    if (!traceparent.empty()) headers.emplace("traceparent", traceparent);
    const json body = {{"policies", {"spam"}}, {"content", content}};
    const auto r = client.Post("/v1/classify", headers, body.dump(), "application/json");
    if (!r) return {};
    return {r->status, json::parse(r->body, nullptr, false), r->headers, r->body};
}

const json* named(const std::vector<json>& spans, const std::string& name) {
    for (const json& s : spans)
        if (s["name"] == name) return &s;
    return nullptr;
}

const json* of_kind(const std::vector<json>& spans, int kind) {
    for (const json& s : spans)
        if (s["kind"] == kind) return &s;
    return nullptr;
}

std::optional<std::string> attribute(const json& span, const std::string& key) {
    for (const json& a : span["attributes"])
        if (a["key"] == key) return a["value"].begin().value().get<std::string>();
    return std::nullopt;
}

// The decision rows of the log, newest first.
json decisions(int port) {
    return test::send(port, "GET", "/v1/decisions").body["decisions"];
}

class Traces : public ::testing::Test {
protected:
    // The model server got one request, whose traceparent names `span_id` of `trace_id`.
    void expect_one_request_naming(const std::string& trace_id, const json& span_id) {
        const std::vector<std::string> sent = model.traceparents();
        ASSERT_EQ(sent.size(), 1u);
        const std::optional<TraceContext> heard = parse_traceparent(sent[0]);
        ASSERT_TRUE(heard.has_value()) << sent[0];
        EXPECT_EQ(heard->trace_id, trace_id);
        EXPECT_EQ(heard->span_id, span_id);
    }

    OtlpReceiver receiver;
    ChatServer model;
};

TEST_F(Traces, FollowTheCallerThroughArbiterToTheModelServer) {
    const std::string config = test::write_config("traces", "tracing:\n  service_name: arbiter-traces\n");
    test::ServerProcess server(
        test::fresh_db("traces"),
        {"--policies", test::kPolicies, "--config", config, "--backend", "remote", "--endpoint", model.url(),
         "--remote-mode", "chat", "--otlp-endpoint", receiver.url()});
    const std::string trace_id = new_trace_id();
    const std::string caller_span = new_span_id();
    const std::string content = "cheap watches, secret-marker-7731";
    const Reply r = classify(server.port(), content, "00-" + trace_id + "-" + caller_span + "-01");
    ASSERT_EQ(r.status, 200) << r.text;
    ASSERT_EQ(r.body["verdicts"][0]["status"], "ok") << r.text;

    const std::vector<json> spans =
        receiver.spans_of(trace_id, {"POST /v1/classify", "admission", "queue wait", "log write", "chat"});
    const json* request = named(spans, "POST /v1/classify");
    ASSERT_NE(request, nullptr) << receiver.everything();
    EXPECT_EQ((*request)["kind"], 2);
    EXPECT_EQ((*request)["parentSpanId"], caller_span);  // the caller's span is the server span's parent
    EXPECT_EQ(attribute(*request, "http.response.status_code"), "200");
    const std::string server_span = (*request)["spanId"];
    for (const std::string name : {"admission", "queue wait", "log write"}) {
        const json* child = named(spans, name);
        ASSERT_NE(child, nullptr) << name << ": " << receiver.everything();
        EXPECT_EQ((*child)["parentSpanId"], server_span) << name;
        EXPECT_EQ((*child)["kind"], 1) << name;
    }
    const json* upstream = of_kind(spans, 3);
    ASSERT_NE(upstream, nullptr) << receiver.everything();
    EXPECT_EQ((*upstream)["name"], "chat");
    EXPECT_EQ((*upstream)["parentSpanId"], server_span);
    EXPECT_EQ(attribute(*upstream, "gen_ai.operation.name"), "chat");
    EXPECT_EQ(attribute(*upstream, "gen_ai.usage.input_tokens"), "120");
    EXPECT_EQ(attribute(*upstream, "gen_ai.usage.output_tokens"), "7");

    // The model server heard of arbiter's client span, in the caller's trace.
    expect_one_request_naming(trace_id, (*upstream)["spanId"]);

    const json rows = decisions(server.port());
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["trace_id"], trace_id);
    // Content stays out of spans unless tracing.include_content says otherwise.
    EXPECT_EQ(receiver.everything().find("secret-marker-7731"), std::string::npos);
    EXPECT_EQ(receiver.everything().find("arbiter.content"), std::string::npos);
}

TEST_F(Traces, AnInvalidTraceparentStartsANewTrace) {
    const std::string config = test::write_config(
        "traces-invalid", "tracing:\n  endpoint: " + receiver.url() +
                              "\n  service_name: arbiter-traces\n  include_content: true\n");
    test::ServerProcess server(test::fresh_db("traces-invalid"),
                               {"--policies", test::kPolicies, "--config", config, "--backend", "remote",
                                "--endpoint", model.url(), "--remote-mode", "chat"});
    const std::string upper_case = "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01";
    const Reply r = classify(server.port(), "a note to the neighbours", upper_case);
    ASSERT_EQ(r.status, 200) << r.text;

    const json rows = decisions(server.port());
    ASSERT_EQ(rows.size(), 1u);
    const std::string trace_id = rows[0]["trace_id"];
    EXPECT_EQ(trace_id.size(), 32u);
    EXPECT_NE(trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    const std::vector<json> spans = receiver.spans_of(trace_id, {"POST /v1/classify", "chat"});
    const json* request = named(spans, "POST /v1/classify");
    ASSERT_NE(request, nullptr) << receiver.everything();
    EXPECT_FALSE(request->contains("parentSpanId"));  // the root of the new trace
    const json* upstream = of_kind(spans, 3);
    ASSERT_NE(upstream, nullptr) << receiver.everything();
    expect_one_request_naming(trace_id, (*upstream)["spanId"]);
    // Configured in: the upstream span carries the content judged.
    EXPECT_EQ(attribute(*upstream, "arbiter.content"), "a note to the neighbours");
}

TEST_F(Traces, TheGatewaysUpstreamJoinsTheCallersTrace) {
    // No policies judge (both stages empty): every request reaches the upstream.
    const std::string config = test::write_config("traces-gateway",
                                                  "tracing:\n  service_name: arbiter-traces\n"
                                                  "gateway:\n  upstream: " +
                                                      model.url() +
                                                      "/v1\n  input_policies: []\n"
                                                      "  output_policies: []\n");
    test::ServerProcess server(test::fresh_db("traces-gateway"), {"--policies", test::kPolicies, "--config",
                                                                  config, "--otlp-endpoint", receiver.url()});
    const std::string trace_id = new_trace_id();
    const std::string caller_span = new_span_id();
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(std::chrono::seconds(60));
    const json body = {{"model", "any"}, {"messages", {{{"role", "user"}, {"content", "hello there"}}}}};
    const auto r =
        client.Post("/v1/chat/completions", {{"traceparent", "00-" + trace_id + "-" + caller_span + "-01"}},
                    body.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;

    const std::vector<json> spans = receiver.spans_of(trace_id, {"POST /v1/chat/completions", "chat"});
    const json* request = named(spans, "POST /v1/chat/completions");
    ASSERT_NE(request, nullptr) << receiver.everything();
    EXPECT_EQ((*request)["parentSpanId"], caller_span);
    const json* upstream = of_kind(spans, 3);
    ASSERT_NE(upstream, nullptr) << receiver.everything();
    EXPECT_EQ((*upstream)["parentSpanId"], (*request)["spanId"]);
    EXPECT_EQ(attribute(*upstream, "http.response.status_code"), "200");
    expect_one_request_naming(trace_id, (*upstream)["spanId"]);
    EXPECT_EQ(receiver.everything().find("hello there"), std::string::npos);
}

// The embedded engine reports its steps of a job: the wait for a sequence, the prefill, the
// reasoning and the answer, one after another, each a child of the request's span.
TEST_F(Traces, TheEmbeddedEnginesStepsAreSpansOfTheRequest) {
    const std::string config =
        test::write_config("traces-engine", "tracing:\n  service_name: arbiter-traces\n");
    test::ServerProcess server(test::fresh_db("traces-engine"),
                               {"--policies", test::kPolicies, "--config", config, "--max-reasoning-tokens",
                                "16", "--otlp-endpoint", receiver.url()});
    const std::string trace_id = new_trace_id();
    httplib::Client client("127.0.0.1", server.port());
    const httplib::Headers headers = {{"traceparent", "00-" + trace_id + "-" + new_span_id() + "-01"}};
    const json body = {{"policies", {"spam"}}, {"mode", "reason"}, {"content", "a note to the neighbours"}};
    const auto r = client.Post("/v1/classify", headers, body.dump(), "application/json");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;

    const std::vector<std::string> steps = {"queue wait", "prefill", "reasoning", "answer"};
    std::vector<std::string> names = steps;
    names.push_back("POST /v1/classify");
    const std::vector<json> spans = receiver.spans_of(trace_id, names);
    const json* request = named(spans, "POST /v1/classify");
    ASSERT_NE(request, nullptr) << receiver.everything();
    int64_t ended = 0;
    for (const std::string& name : steps) {
        const json* step = named(spans, name);
        ASSERT_NE(step, nullptr) << name << ": " << receiver.everything();
        EXPECT_EQ((*step)["parentSpanId"], (*request)["spanId"]) << name;
        const int64_t start = std::stoll((*step)["startTimeUnixNano"].get<std::string>());
        const int64_t end = std::stoll((*step)["endTimeUnixNano"].get<std::string>());
        EXPECT_LE(start, end) << name;
        EXPECT_LE(ended, start) << name << " began before the step before it ended";
        ended = end;
    }
    EXPECT_TRUE(attribute(*named(spans, "prefill"), "gen_ai.usage.input_tokens").has_value());
    EXPECT_TRUE(attribute(*named(spans, "answer"), "gen_ai.usage.output_tokens").has_value());
}

TEST(TracingConfig, RefusesBadFields) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"tracing:\n  endpoint: ftp://collector\n", "endpoint"},
        {"tracing:\n  service_name: \"\"\n", "service_name"},
        {"tracing:\n  include_content: maybe\n", "include_content"},
        {"tracing:\n  sampler: always\n", "unknown key 'sampler'"},
    };
    for (const auto& [yaml, named_field] : bad) {
        const std::string config = test::write_config("tracing-bad", yaml);
        EXPECT_THROW(
            {
                try {
                    service::load_service_config(config);
                } catch (const service::ConfigError& e) {
                    EXPECT_NE(std::string(e.what()).find(named_field), std::string::npos) << e.what();
                    throw;
                }
            },
            service::ConfigError)
            << yaml;
    }
    const std::string good = test::write_config(
        "tracing-good", "tracing:\n  endpoint: http://127.0.0.1:4318\n  service_name: shop-arbiter\n");
    const service::ServiceConfig c = service::load_service_config(good);
    EXPECT_EQ(c.tracing.endpoint, "http://127.0.0.1:4318");
    EXPECT_EQ(c.tracing.service_name, "shop-arbiter");
    EXPECT_FALSE(c.tracing.include_content);
}

}  // namespace
}  // namespace arbiter
