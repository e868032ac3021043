// The cascade that `arbiter serve` builds from its flags, over real HTTP on the tiny model: rules
// decide before the model and survive a restart, --cascade off sends everything to the model, and
// a version stored over the API is judged by its own rules at once.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/scratch.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::fresh_db;
using test::kPolicies;
using test::post;
using test::Reply;
using test::send;
using test::ServerProcess;

TEST(Service, RulesDecideThroughTheCascadeAndSurviveARestart) {
    const std::filesystem::path dir = test::scratch_dir() / "cascade-policies";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "ads.md")
        << "---\nid: ads\noutput: binary\n"
           "rules:\n  - {id: buy-followers, literal: buy followers, action: violate}\n"
           "---\n# Ads\nFlag advertising.\n";
    const auto db = fresh_db("cascade");
    const json body = {{"policies", {"ads"}}, {"content", "B\u200Buy f0llowers today"}, {"mode", "score"}};
    {
        ServerProcess server(db, {"--policies", dir.string()});
        const Reply r = post(server.port(), "/v1/classify", body);
        ASSERT_EQ(r.status, 200) << r.text;
        const json& v = r.body["verdicts"][0];
        EXPECT_EQ(v["tier"], "rules") << v.dump();
        EXPECT_EQ(v["violation"], true);
        EXPECT_EQ(v["rule_ids"], json::array({"buy-followers"}));
        const Reply other = post(server.port(), "/v1/classify",
                                 {{"policies", {"ads"}}, {"content", "hello"}, {"mode", "score"}});
        EXPECT_EQ(other.body["verdicts"][0]["tier"], "model") << other.text;
        const Reply policy = send(server.port(), "GET", "/v1/policies/ads");
        EXPECT_EQ(policy.body["rules"][0]["literal"], "buy followers") << policy.text;
        EXPECT_EQ(server.stop(), 0);
    }
    // The rules are stored with the version, so a restart serves them again.
    ServerProcess again(db, {"--policies", dir.string()});
    const Reply r = post(again.port(), "/v1/classify", body);
    EXPECT_EQ(r.body["verdicts"][0]["tier"], "rules") << r.text;
    EXPECT_EQ(send(again.port(), "GET", "/v1/policies/ads").body["version"], 1);
    // --cascade off sends everything to the model.
    ServerProcess off(fresh_db("cascade-off"), {"--policies", dir.string(), "--cascade", "off"});
    EXPECT_EQ(post(off.port(), "/v1/classify", body).body["verdicts"][0]["tier"], "model");
}

// A version stored over the API is judged with its own rules at once, not by the model alone until
// a restart (issue 28's safety bug): on a server started with no cascade at all, then for a later
// version whose rule changed.
TEST(Service, AVersionStoredOverTheApiIsDecidedByItsRulesAtOnce) {
    ServerProcess server(fresh_db("cascade-put"), {"--policies", kPolicies});
    const auto put = [&](const std::string& literal) {
        return send(server.port(), "PUT", "/v1/policies/ads",
                    json{{"text", "Flag advertising."},
                         {"output", "binary"},
                         {"rules", {{{"id", "ad"}, {"literal", literal}, {"action", "violate"}}}}}
                        .dump());
    };
    const auto verdict = [&](const std::string& text) {
        const Reply r = post(server.port(), "/v1/classify",
                             {{"policies", {"ads"}}, {"content", text}, {"mode", "score"}});
        EXPECT_EQ(r.status, 200) << r.text;
        return r.body["verdicts"][0];
    };
    const Reply first = put("buy followers");
    ASSERT_EQ(first.status, 201) << first.text;
    json v = verdict("Buy f0llowers today");
    EXPECT_EQ(v["tier"], "rules") << v.dump();
    EXPECT_EQ(v["violation"], true);
    EXPECT_EQ(v["policy_version"], 1);

    const Reply second = put("cheap likes");
    ASSERT_EQ(second.status, 200) << second.text;
    v = verdict("cheap likes here");
    EXPECT_EQ(v["tier"], "rules") << v.dump();
    EXPECT_EQ(v["policy_version"], 2);
    v = verdict("Buy f0llowers today");  // v1's rule is not v2's
    EXPECT_EQ(v["tier"], "model") << v.dump();
}

}  // namespace
}  // namespace arbiter
