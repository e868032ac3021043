// Reviews and the review queue on both engines (support/both_engines.h): which logged decisions
// the queue's rules pick, in what order, for whom, and what its summary counts once people label.

#include <gtest/gtest.h>

#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "support/both_engines.h"
#include "support/decision_rows.h"

namespace arbiter::storage {
namespace {

class ReviewStores : public test::OnBothEngines {};

Review label(int64_t decision_id, const std::string& reviewer, bool violation) {
    Review r;
    r.policy_id = "scam";
    r.policy_version = 1;
    r.content_json = R"({"text": "x"})";
    r.content_sha256 = "h" + std::to_string(decision_id);
    r.violation = violation;
    r.score = violation ? 1.0 : 0.0;
    r.reviewer = reviewer;
    r.source = "console";
    r.decision_id = decision_id;
    return r;
}

std::vector<int64_t> ids_of(const std::vector<QueuedDecision>& queued) {
    std::vector<int64_t> ids;
    ids.reserve(queued.size());
    for (const QueuedDecision& q : queued) ids.push_back(q.decision_id);
    return ids;
}

TEST_P(ReviewStores, TheQueuePicksByItsRulesAndSettlesWithTwoAgreeingReviews) {
    const std::string db = fresh("queue");
    // Decision ids 1..4: a violation, a clean one, an escalated clean one, another policy's.
    test::write_decisions(
        db, {{"scam", R"({"text": "prize"})", 1},
             {"scam", R"({"text": "lunch"})", 0},
             {"scam", R"({"text": "maybe"})", 0, VerdictStatus::ok, Tier::model, false, "Flag scams.", 0.5},
             {"spam", R"({"text": "buy"})", 1}});
    ReviewLog reviews(db);
    ReviewQueue queue(db);
    size_t waiting = 0;
    EXPECT_TRUE(queue.next("scam", "ann", 10, &waiting).empty());  // no rules: nothing is queued
    EXPECT_EQ(waiting, 0u);

    QueueRules rules;
    rules.policy_id = "scam";
    rules.flagged = true;
    rules.updated_by = "ops";
    queue.set_rules(rules);
    rules.escalated = true;  // a second save replaces the first
    queue.set_rules(rules);
    ASSERT_EQ(queue.all_rules().size(), 1u);
    EXPECT_TRUE(queue.rules("scam")->escalated);

    const std::vector<QueuedDecision> next = queue.next("scam", "ann", 10, &waiting);
    EXPECT_EQ(ids_of(next), (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(waiting, 2u);
    EXPECT_EQ(next[0].why, std::vector<std::string>{"flagged"});
    EXPECT_EQ(next[1].why, std::vector<std::string>{"escalated"});

    // Ann's review takes decision 1 out of her queue, not Bob's; two who disagree call a third.
    reviews.add(label(1, "ann", true));
    EXPECT_EQ(ids_of(queue.next("scam", "ann", 10, &waiting)), std::vector<int64_t>{3});
    EXPECT_EQ(ids_of(queue.next("scam", "bob", 10, &waiting)), (std::vector<int64_t>{1, 3}));
    reviews.add(label(1, "bob", false));
    EXPECT_EQ(ids_of(queue.next("scam", "cat", 10, &waiting)), (std::vector<int64_t>{1, 3}));
    reviews.add(label(1, "cat", true));
    EXPECT_EQ(ids_of(queue.next("scam", "dan", 10, &waiting)), std::vector<int64_t>{3});
    reviews.add(label(3, "ann", false));

    const QueueSummary s = queue.summary("scam");
    EXPECT_EQ(s.waiting, 0u);
    EXPECT_EQ(s.reviewed, 2u);
    EXPECT_EQ(s.reviews, 4u);
    EXPECT_EQ(s.double_reviewed, 1u);
    EXPECT_EQ(s.disagreements, 1u);
    EXPECT_EQ(s.model_agreed, 2u);  // the latest labels: 1 violation (the model's), 3 none (likewise)
    EXPECT_EQ(reviews.of_decision(1).size(), 3u);
    EXPECT_EQ(reviews.of_policy("scam").size(), 4u);
    EXPECT_EQ(reviews.of_decision(1)[1].reviewer, "bob");
    EXPECT_EQ(reviews.of_decision(1)[0].score, 1.0);
}

// The sample is a stable share: the same decisions on both engines, about the share asked for.
TEST_P(ReviewStores, TheSampleIsAStableShareOfDecisionIds) {
    const std::string db = fresh("sample");
    std::vector<test::DecisionRow> rows(200, {"scam", R"({"text": "a"})", 0});
    test::write_decisions(db, rows);
    ReviewLog reviews(db);
    ReviewQueue queue(db);
    QueueRules rules;
    rules.policy_id = "scam";
    rules.sample_percent = 25;
    queue.set_rules(rules);
    size_t waiting = 0;
    const std::vector<int64_t> picked = ids_of(queue.next("scam", "ann", 200, &waiting));
    EXPECT_EQ(picked.size(), waiting);
    EXPECT_GT(waiting, 30u);
    EXPECT_LT(waiting, 70u);
    // Knuth's multiplicative hash, computed here: the engines agree with it, and so with each other.
    std::vector<int64_t> expected;
    for (int64_t id = 1; id <= 200; ++id) {
        if ((static_cast<uint64_t>(id) * 2654435761ULL) % 4294967296ULL % 10000 < 2500)
            expected.push_back(id);
    }
    EXPECT_EQ(picked, expected);
}

ARBITER_ON_BOTH_ENGINES(ReviewStores);

}  // namespace
}  // namespace arbiter::storage
