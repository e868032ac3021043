// `arbiter serve`'s HTTP layer against clients no library would be: bodies framed to slip past
// the size limit (chunked, gzip bombs), slow and idle connections that once held every worker,
// more connections than allowed, malformed and oversized headers. Each is checked over a raw
// socket, with the time a normal request takes while it happens.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "support/gzip.h"
#include "support/raw_connection.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using Clock = std::chrono::steady_clock;
using test::fresh_db;
using test::kPolicies;
using test::RawConnection;
using test::send;
using test::ServerProcess;
using test::status_of;
using test::write_config;

constexpr size_t kBodyLimit = 64 * 1024;
const std::string kScore = R"({"policies": ["spam"], "mode": "score", "content": {"text": "hello"}})";

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string request(const std::string& headers, const std::string& body) {
    return "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class TransportTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const std::string config = write_config("transport",
                                                "server:\n"
                                                "  max_body_bytes: 65536\n"
                                                "  max_header_bytes: 4096\n"
                                                "  http_threads: 2\n"
                                                "  header_timeout_ms: 1000\n"
                                                "  body_timeout_ms: 1000\n"
                                                "  idle_timeout_ms: 2000\n");
        server_ = new ServerProcess(fresh_db("transport"), {"--policies", kPolicies, "--config", config});
    }
    static void TearDownTestSuite() {
        delete server_;
        server_ = nullptr;
    }
    static int port() { return server_->port(); }
    static ServerProcess* server_;
};
ServerProcess* TransportTest::server_ = nullptr;

TEST_F(TransportTest, AChunkedBodyOverTheLimitIsRefusedWhileItIsRead) {
    RawConnection c(port());
    ASSERT_TRUE(
        c.send("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"));
    const std::string chunk(16 * 1024, ' ');
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    // Up to 30 MiB, as in the report; the server must answer long before.
    for (size_t sent = 0; sent < 30u << 20; sent += chunk.size()) {
        if (!c.send(size + chunk + "\r\n")) break;
        if (sent > 4 * kBodyLimit) break;
    }
    EXPECT_EQ(status_of(c.receive(5, "\r\n\r\n")), 413);
    // Within the limit, chunked framing is served as any other.
    RawConnection ok(port());
    char small[16];
    std::snprintf(small, sizeof small, "%zx\r\n", kScore.size());
    ASSERT_TRUE(
        ok.send("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" +
                std::string(small) + kScore + "\r\n0\r\n\r\n"));
    EXPECT_EQ(status_of(ok.receive(30, "}")), 200);
}

TEST_F(TransportTest, AGzipBombStopsAtTheLimitOfItsDecodedBytes) {
    const std::string bomb = test::gzip(std::string(64u << 20, ' '));  // 64 MiB of spaces in ~64 KiB
    ASSERT_LT(bomb.size(), kBodyLimit);
    RawConnection c(port());
    ASSERT_TRUE(c.send(request("Content-Encoding: gzip\r\n", bomb)));
    const std::string reply = c.receive(10, "}");
    EXPECT_EQ(status_of(reply), 413) << reply.substr(0, 300);
    EXPECT_NE(reply.find("once decoded"), std::string::npos);
    // A gzip body within the limit is decoded and served.
    RawConnection ok(port());
    ASSERT_TRUE(ok.send(request("Content-Encoding: gzip\r\n", test::gzip(kScore))));
    EXPECT_EQ(status_of(ok.receive(30, "}")), 200);
    RawConnection brotli(port());
    ASSERT_TRUE(brotli.send(request("Content-Encoding: br\r\n", kScore)));
    EXPECT_EQ(status_of(brotli.receive(10, "}")), 415);
}

TEST_F(TransportTest, SlowClientsHoldNoWorkerAndAreCutOffAtTheHeaderTimeout) {
    // Far more trickling connections than workers (2), each sending a byte now and then.
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (int i = 0; i < 40; ++i) {
        slow.push_back(std::make_unique<RawConnection>(port()));
        ASSERT_TRUE(slow.back()->send("P"));
    }
    const auto start = Clock::now();
    for (auto& c : slow) c->send("O");
    const test::Reply health = send(port(), "GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    const test::Reply verdict = send(port(), "POST", "/v1/classify", kScore);
    EXPECT_EQ(verdict.status, 200) << verdict.text;
    EXPECT_LT(seconds_since(start), 0.9) << "a normal request waited behind the slow ones";
    // The header timeout (1 s) closes every one of them, however steadily it trickles.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (auto& c : slow) c->send("S");
    int closed = 0;
    for (auto& c : slow) closed += c->closed_by_peer(3) ? 1 : 0;
    EXPECT_EQ(closed, 40);
}

TEST_F(TransportTest, IdleKeepAliveConnectionsDelayNobody) {
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 40; ++i) {
        idle.push_back(std::make_unique<RawConnection>(port()));
        ASSERT_TRUE(idle.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        ASSERT_EQ(status_of(idle.back()->receive(5, "}")), 200);
    }
    const auto start = Clock::now();
    EXPECT_EQ(send(port(), "POST", "/v1/classify", kScore).status, 200);
    EXPECT_LT(seconds_since(start), 0.5);
    // Still open for their next request until the idle timeout (2 s), then closed.
    ASSERT_TRUE(idle[0]->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(status_of(idle[0]->receive(5, "}")), 200);
    EXPECT_TRUE(idle[1]->closed_by_peer(4));
}

TEST_F(TransportTest, MalformedAndOversizedHeadersAreAnsweredAtOnce) {
    const std::vector<std::pair<std::string, int>> cases = {
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", 400},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
        {"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 405},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8192, 'a') + "\r\n\r\n", 431},
        {"GET /v1/decisions?since=%zz HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {request("", std::string(kBodyLimit + 1, ' ')), 413},
    };
    for (const auto& [bytes, status] : cases) {
        RawConnection c(port());
        const auto start = Clock::now();
        c.send(bytes);
        const std::string reply = c.receive(5, "\r\n\r\n");
        EXPECT_EQ(status_of(reply), status) << bytes.substr(0, 80) << " -> " << reply.substr(0, 200);
        EXPECT_LT(seconds_since(start), 0.5) << bytes.substr(0, 80);
    }
}

TEST_F(TransportTest, FormEncodedAndExpectContinueBodiesAreReadWhole) {
    // curl -d sends application/x-www-form-urlencoded; its size limit is max_body_bytes, not 8 KB.
    nlohmann::json body = nlohmann::json::parse(kScore);
    body["content"]["text"] = std::string(2000, 'a');
    const std::string text = body.dump() + std::string(20000, ' ');  // JSON may end in whitespace
    const test::Reply r = send(port(), "POST", "/v1/classify", text, "", "application/x-www-form-urlencoded");
    EXPECT_EQ(r.status, 200) << r.text.substr(0, 300);
    // curl sends Expect: 100-continue for bodies over 1 KiB and waits for the go-ahead.
    RawConnection c(port());
    ASSERT_TRUE(
        c.send("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Expect: 100-continue\r\nContent-Length: " +
               std::to_string(text.size()) + "\r\n\r\n"));
    EXPECT_EQ(status_of(c.receive(2, "\r\n\r\n")), 100);
    ASSERT_TRUE(c.send(text));
    EXPECT_EQ(status_of(c.receive(30, "}")), 200);
}

TEST_F(TransportTest, WrongMethodsAndPathsAreNamed) {
    test::Reply r = send(port(), "DELETE", "/v1/classify");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.headers.find("Allow")->second, "POST");
    EXPECT_EQ(r.body["error"]["code"], "method_not_allowed");
    r = send(port(), "GET", "/v1/nothing");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body["error"]["code"], "not_found");
    EXPECT_TRUE(r.body["error"]["param"].is_null());
}

TEST(TransportLimits, ConnectionsOverTheLimitAreRefusedAndTheRestServed) {
    const std::string config = write_config("connections", "server:\n  max_connections: 8\n");
    ServerProcess server(fresh_db("connections"), {"--policies", kPolicies, "--config", config});
    std::vector<std::unique_ptr<RawConnection>> held;
    for (int i = 0; i < 8; ++i) {
        // The readiness probe's own connection may not be closed on the server's side yet: until
        // it is, it counts among the eight.
        int status = 0;
        for (int attempt = 0; attempt < 50 && status != 200; ++attempt) {
            if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            held.push_back(std::make_unique<RawConnection>(server.port()));
            ASSERT_TRUE(held.back()->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
            status = status_of(held.back()->receive(5, "}"));
            if (status != 200) held.pop_back();
        }
        ASSERT_EQ(status, 200) << "connection " << i + 1 << " of the eight allowed was refused";
    }
    RawConnection over(server.port());
    const std::string reply = over.receive(5, "}");
    EXPECT_EQ(status_of(reply), 503);
    EXPECT_NE(reply.find("Retry-After: 1"), std::string::npos);
    held.pop_back();  // one leaves: the next is served
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(send(server.port(), "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace arbiter
