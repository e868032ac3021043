// Instances that share one PostgreSQL database (issue 28): a change made on one is in force on the
// others within a second (storage/change_feed.h), two that store the same next version give one
// conflict, and a feed that lost its connection catches up. Each "instance" here is a set of stores
// with a feed of its own, as `arbiter serve` holds them; over HTTP: fleet_test.cpp.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "core/policy_file.h"
#include "storage/change_feed.h"
#include "storage/policy_store.h"
#include "storage/shadow_versions.h"
#include "support/postgres.h"
#include "support/within.h"

namespace arbiter::storage {
namespace {

struct Instance {
    explicit Instance(const std::string& url)
        : policies(url), shadows(url, policies), feed(url, [this](std::string_view what) {
              if (what != "shadows") policies.reload();
              shadows.reload();
          }) {}
    PolicyStore policies;
    ShadowVersions shadows;
    ChangeFeed feed;
};

Policy spam(const std::string& text, int version = 0) {
    Policy p = parse_policy("---\nid: spam\n---\n" + text + "\n", "");
    p.version = version;
    return p;
}

using test::within;

TEST(SharedState, AChangeOnOneInstanceIsInForceOnTheOthersWithinASecond) {
    const std::string url = test::fresh_postgres_db("shared-changes");
    Instance a(url), b(url), c(url);
    a.policies.put(spam("Flag spam."), false);
    const auto at_version = [](Instance& i, int v) {
        return [&i, v] { return i.policies.current("spam") && i.policies.current("spam")->version == v; };
    };
    EXPECT_TRUE(within(std::chrono::seconds(1), at_version(b, 1)));
    EXPECT_TRUE(within(std::chrono::seconds(1), at_version(c, 1)));
    b.policies.put(spam("Flag spam and scams."), false);
    EXPECT_TRUE(within(std::chrono::seconds(1), at_version(a, 2)));
    EXPECT_EQ(a.policies.current("spam")->text, "Flag spam and scams.");

    c.shadows.set("spam", 1, "rita");
    EXPECT_TRUE(within(std::chrono::seconds(1), [&] { return a.shadows.of("spam").has_value(); }));
    EXPECT_EQ(a.shadows.of("spam")->policy->version, 1);
    a.shadows.clear("spam");
    EXPECT_TRUE(within(std::chrono::seconds(1), [&] { return !c.shadows.of("spam"); }));

    // A deletion on one instance, even of a version another has not heard of yet.
    EXPECT_TRUE(c.policies.remove("spam"));
    EXPECT_TRUE(within(std::chrono::seconds(1), [&] { return a.policies.current("spam") == nullptr; }));
    EXPECT_FALSE(b.policies.remove("spam"));
    EXPECT_EQ(a.policies.versions("spam").size(), 3u);  // 1, 2 and the deletion
}

TEST(SharedState, TwoInstancesStoringTheSameNextVersionGiveOneConflict) {
    const std::string url = test::fresh_postgres_db("shared-conflict");
    PolicyStore a(url), b(url);
    a.put(spam("Flag spam."), false);
    for (int next = 2; next < 12; ++next) {
        std::atomic<int> conflicts = 0;
        const auto store = [&](PolicyStore& s, const std::string& text) {
            try {
                s.put(spam(text, next), true);
            } catch (const VersionConflict&) {
                ++conflicts;
            }
        };
        {
            std::jthread one([&] { store(a, "A's edit " + std::to_string(next)); });
            std::jthread two([&] { store(b, "B's edit " + std::to_string(next)); });
        }
        EXPECT_EQ(conflicts, 1) << "version " << next;
        EXPECT_EQ(a.versions("spam").size(), static_cast<size_t>(next));
    }
}

// The feed's connection cut (a restart, a proxy): it connects again and reads what it missed.
TEST(SharedState, AFeedThatLostItsConnectionCatchesUp) {
    const std::string url = test::fresh_postgres_db("shared-reconnect");
    Instance a(url), b(url);
    Database admin(url);
    admin.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
        "AND query LIKE 'LISTEN%'");
    a.policies.put(spam("Flag spam, said while b was away."), false);
    EXPECT_TRUE(within(std::chrono::seconds(4), [&] { return b.policies.current("spam") != nullptr; }));
    a.policies.put(spam("And heard again."), false);  // listening once more
    EXPECT_TRUE(within(std::chrono::seconds(1), [&] {
        return b.policies.current("spam") && b.policies.current("spam")->version == 2;
    }));
}

}  // namespace
}  // namespace arbiter::storage
