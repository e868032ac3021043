// The route table as the single source of the service's endpoints, tested in-process (no
// process, no socket): every route's requests are counted in /metrics under its own pattern, and
// a path no route has under "other", so the metrics can never drift from the routes.

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <string>

#include "support/in_process_server.h"

namespace arbiter {
namespace {

// A concrete path for a route pattern: each "{name}" segment becomes "x1".
std::string concrete(const std::string& pattern) {
    return std::regex_replace(pattern, std::regex("\\{[a-z_]+\\}"), "x1");
}

service::ServiceConfig with_gateway() {
    service::ServiceConfig config;
    config.gateway.upstream = "http://127.0.0.1:9/v1";  // registers the gateway's route; never reached
    config.gateway.input_policies = std::vector<std::string>{};
    return config;
}

TEST(Routes, EveryRouteIsCountedUnderItsOwnPattern) {
    test::InProcessServer s(test::fresh_db("routes-labels"), {.config = with_gateway(),
                                                              .keys_file = {},
                                                              .engine = false,
                                                              .streams = 0,
                                                              .max_reasoning_tokens = 0});
    const std::vector<service::RouteInfo> routes = s.server().routes();
    ASSERT_GT(routes.size(), 30U);
    std::set<std::pair<std::string, std::string>> seen;
    for (const service::RouteInfo& r : routes)
        EXPECT_TRUE(seen.insert({r.method, r.pattern}).second) << r.method << " " << r.pattern << " twice";

    for (const service::RouteInfo& r : routes) {
        // An empty JSON body: most routes refuse it, and a refusal is counted like an answer.
        const service::HttpResponse res = s.send(r.method, concrete(r.pattern), "{}");
        // A handler's own 404 (no policy 'x1') is an answer; the router's is not.
        EXPECT_EQ(res.body.find("no such endpoint"), std::string::npos) << r.method << " " << r.pattern;
        EXPECT_NE(res.status, 405) << r.method << " " << r.pattern;
    }
    EXPECT_EQ(s.send("GET", "/v1/no-such-thing").status, 404);
    const std::string metrics = test::without_instance_labels(s.send("GET", "/metrics").body);
    for (const service::RouteInfo& r : routes) {
        if (r.pattern == "/metrics") continue;  // counted once this scrape is answered
        const std::string series = "arbiter_http_requests_total{endpoint=\"" + r.pattern + "\"";
        EXPECT_NE(metrics.find(series), std::string::npos) << r.pattern << " has no label of its own";
    }
    EXPECT_NE(metrics.find("arbiter_http_requests_total{endpoint=\"other\",status=\"404\"}"),
              std::string::npos);
    // No label but the routes' patterns and "other".
    std::set<std::string> patterns = {"other"};
    for (const service::RouteInfo& r : routes) patterns.insert(r.pattern);
    const std::regex label("arbiter_http_requests_total\\{endpoint=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(metrics.begin(), metrics.end(), label); it != std::sregex_iterator();
         ++it)
        EXPECT_TRUE(patterns.contains((*it)[1].str())) << (*it)[1].str();
}

TEST(Routes, AClassificationRoundTripsInProcess) {
    test::InProcessServer s(test::fresh_db("routes-classify"), {});
    const service::HttpResponse res =
        s.send("POST", "/v1/classify", R"({"policies": ["spam"], "mode": "score", "content": "hello"})");
    ASSERT_EQ(res.status, 200) << res.body;
    const nlohmann::json body = nlohmann::json::parse(res.body);
    EXPECT_DOUBLE_EQ(body["verdicts"][0]["probability"].get<double>(), 0.25);
    const service::HttpResponse log = s.send("GET", "/v1/decisions?policy=spam");
    ASSERT_EQ(log.status, 200) << log.body;
    EXPECT_EQ(nlohmann::json::parse(log.body)["decisions"].size(), 1U);
}

}  // namespace
}  // namespace arbiter
