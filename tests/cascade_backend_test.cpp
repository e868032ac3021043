// CascadeBackend's routing with a fake inner backend that records what reaches it: each tier
// decides, an uncertain score is reasoned, cancel works at every stage, Done runs exactly once.

#include "cascade/cascade_backend.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "core/policy_file.h"
#include "support/cascade_data.h"

namespace arbiter::cascade {
namespace {

// Holds every job until the test answers it; cancel answers "cancelled" at once.
class FakeBackend : public Backend {
public:
    struct Submitted {
        JobId id;
        Mode mode;
        Done done;
    };

    JobId submit(Job job, Done done) override {
        std::lock_guard lock(mutex_);
        const JobId id = next_++;
        jobs_.push_back({id, job.mode, std::move(done)});
        return id;
    }

    void cancel(JobId id) override {
        Done done;
        {
            std::lock_guard lock(mutex_);
            cancelled_.push_back(id);
            for (auto& j : jobs_) {
                if (j.id == id && j.done) done = std::move(j.done);
            }
        }
        if (done) {
            Verdict v;
            v.status = VerdictStatus::error;
            v.error = "cancelled";
            done(std::move(v));
        }
    }

    // Answers job `index` (in submission order).
    void answer(size_t index, Verdict v) {
        Done done;
        {
            std::lock_guard lock(mutex_);
            done = std::move(jobs_.at(index).done);
        }
        ASSERT_TRUE(done) << "job " << index << " answered twice";
        done(std::move(v));
    }

    std::vector<Mode> modes() {
        std::lock_guard lock(mutex_);
        std::vector<Mode> out;
        for (const auto& j : jobs_) out.push_back(j.mode);
        return out;
    }
    std::vector<JobId> ids() {
        std::lock_guard lock(mutex_);
        std::vector<JobId> out;
        for (const auto& j : jobs_) out.push_back(j.id);
        return out;
    }
    std::vector<JobId> cancelled() {
        std::lock_guard lock(mutex_);
        return cancelled_;
    }

private:
    std::mutex mutex_;
    JobId next_ = 100;
    std::vector<Submitted> jobs_;
    std::vector<JobId> cancelled_;
};

Verdict scored(double p) {
    Verdict v;
    v.status = VerdictStatus::ok;
    v.violation = p >= 0.5;
    v.probability = p;
    v.usage = {100, 90, 0};
    return v;
}

Verdict reasoned(bool violation) {
    Verdict v;
    v.status = VerdictStatus::ok;
    v.violation = violation;
    v.rationale = "because";
    v.usage = {120, 90, 40};
    return v;
}

// Collects the verdicts a job receives (it must be exactly one).
struct Sink {
    std::vector<Verdict> got;
    Done done() {
        return [this](Verdict v) { got.push_back(std::move(v)); };
    }
};

class CascadeRouting : public ::testing::Test {
protected:
    void build(const std::string& cascade_settings) {
        policy_ = std::make_shared<const Policy>(parse_policy(
            "---\nid: scam\nrules:\n  - {id: block, literal: send bitcoin now, action: violate}\n"
            "  - {id: allow, regex: '^ok$', action: safe}\n"
            "  - {id: review, literal: court order, action: escalate}\n"
            "cascade:\n" +
                cascade_settings + "---\nScams.\n",
            "p/scam.md"));
        static const auto model =
            std::make_shared<const FastClassifier>(FastClassifier::train(test::scam_examples(600, 1), {}));
        cascade_ = std::make_shared<const Cascade>(
            std::vector<std::shared_ptr<const Policy>>{policy_},
            std::map<std::string, std::shared_ptr<const FastClassifier>>{{"scam", model}});
        backend_ = std::make_unique<CascadeBackend>(inner_, cascade_);
    }

    JobId submit(const std::string& text, Sink& sink, Mode mode = Mode::reason) {
        Job job;
        job.policy = policy_;
        job.content = Content::message(text);
        job.mode = mode;
        return backend_->submit(std::move(job), sink.done());
    }

    FakeBackend inner_;
    std::shared_ptr<const Policy> policy_;
    std::shared_ptr<const Cascade> cascade_;
    std::unique_ptr<CascadeBackend> backend_;
};

constexpr const char* kScam = "urgent verify your bank wallet to claim the lottery prize";
constexpr const char* kHam = "lunch after the football meeting at the library";

TEST_F(CascadeRouting, RulesDecideWithoutTheOtherTiers) {
    build("  fast: true\n");
    Sink a, b;
    submit("please S3ND B1TC0IN NOW", a);
    submit("OK", b);
    ASSERT_EQ(a.got.size(), 1u);
    EXPECT_EQ(a.got[0].tier, Tier::rules);
    EXPECT_EQ(a.got[0].violation, true);
    EXPECT_EQ(a.got[0].rule_ids, std::vector<std::string>{"block"});
    EXPECT_FALSE(a.got[0].fast_probability);
    ASSERT_EQ(b.got.size(), 1u);
    EXPECT_EQ(b.got[0].tier, Tier::rules);
    EXPECT_EQ(b.got[0].violation, false);
    EXPECT_EQ(b.got[0].policy_id, "scam");
    EXPECT_EQ(b.got[0].status, VerdictStatus::ok);
    EXPECT_TRUE(inner_.modes().empty());
}

TEST_F(CascadeRouting, TheFastTierDecidesConfidentItems) {
    build("  fast: true\n  safe_below: 0.1\n  violate_above: 0.9\n");
    Sink scam, ham;
    submit(kScam, scam);
    submit(kHam, ham);
    ASSERT_EQ(scam.got.size(), 1u);
    EXPECT_EQ(scam.got[0].tier, Tier::fast);
    EXPECT_EQ(scam.got[0].violation, true);
    EXPECT_GT(*scam.got[0].fast_probability, 0.9);
    ASSERT_EQ(ham.got.size(), 1u);
    EXPECT_EQ(ham.got[0].tier, Tier::fast);
    EXPECT_EQ(ham.got[0].violation, false);
    EXPECT_LT(*ham.got[0].fast_probability, 0.1);
    EXPECT_TRUE(inner_.modes().empty());
}

TEST_F(CascadeRouting, UncertainItemsAreScoredThenReasonedInTheBand) {
    // Nothing is confident enough for the fast tier: the model decides.
    build("  fast: true\n  safe_below: 0\n  violate_above: 1\n  reason_band: [0.3, 0.7]\n");
    Sink certain, uncertain;
    submit(kScam, certain);
    submit(kHam, uncertain);
    EXPECT_EQ(inner_.modes(), (std::vector<Mode>{Mode::score, Mode::score}));
    inner_.answer(0, scored(0.95));  // outside the band: the score is the verdict
    ASSERT_EQ(certain.got.size(), 1u);
    EXPECT_EQ(certain.got[0].tier, Tier::model);
    EXPECT_EQ(certain.got[0].violation, true);
    EXPECT_TRUE(certain.got[0].fast_probability);
    inner_.answer(1, scored(0.5));  // uncertain: reasoned
    EXPECT_TRUE(uncertain.got.empty());
    ASSERT_EQ(inner_.modes().size(), 3u);
    EXPECT_EQ(inner_.modes()[2], Mode::reason);
    inner_.answer(2, reasoned(false));
    ASSERT_EQ(uncertain.got.size(), 1u);
    EXPECT_EQ(uncertain.got[0].tier, Tier::model);
    EXPECT_EQ(uncertain.got[0].violation, false);
    EXPECT_EQ(uncertain.got[0].rationale, "because");
    // Both stages' tokens count.
    EXPECT_EQ(uncertain.got[0].usage.prompt_tokens, 220);
    EXPECT_EQ(uncertain.got[0].usage.completion_tokens, 40);
    EXPECT_EQ(certain.got.size(), 1u);  // still exactly once
}

TEST_F(CascadeRouting, ScoreModeJobsStopAtTheScore) {
    build("  safe_below: 0\n  violate_above: 1\n");
    Sink s;
    submit(kHam, s, Mode::score);
    inner_.answer(0, scored(0.5));
    ASSERT_EQ(s.got.size(), 1u);
    EXPECT_EQ(s.got[0].probability, 0.5);
    EXPECT_EQ(inner_.modes().size(), 1u);
}

TEST_F(CascadeRouting, EscalateSkipsTheFastTier) {
    build("  fast: true\n  safe_below: 0.5\n");  // the fast tier would call this safe
    Sink s;
    submit("lunch at the library, per the court order", s);
    EXPECT_TRUE(s.got.empty());
    ASSERT_EQ(inner_.modes(), std::vector<Mode>{Mode::score});
    inner_.answer(0, scored(0.1));
    ASSERT_EQ(s.got.size(), 1u);
    EXPECT_EQ(s.got[0].tier, Tier::model);
    EXPECT_EQ(s.got[0].rule_ids, std::vector<std::string>{"review"});
    EXPECT_FALSE(s.got[0].fast_probability);
}

TEST_F(CascadeRouting, FastViolationsCanStillBeReasonedForARationale) {
    build("  fast: true\n  violate_above: 0.9\n  reason_violations: true\n");
    Sink s;
    submit(kScam, s);
    ASSERT_EQ(inner_.modes(), std::vector<Mode>{Mode::reason});
    inner_.answer(0, reasoned(true));
    ASSERT_EQ(s.got.size(), 1u);
    EXPECT_EQ(s.got[0].tier, Tier::model);
    EXPECT_EQ(s.got[0].rationale, "because");
}

TEST_F(CascadeRouting, CancelAtEachStage) {
    build("  safe_below: 0\n  violate_above: 1\n");
    // While scoring.
    Sink a;
    const JobId ja = submit(kHam, a);
    backend_->cancel(ja);
    ASSERT_EQ(a.got.size(), 1u);
    EXPECT_EQ(a.got[0].error, "cancelled");
    EXPECT_EQ(inner_.cancelled(), std::vector<JobId>{inner_.ids()[0]});
    // While reasoning.
    Sink b;
    const JobId jb = submit(kHam, b);
    inner_.answer(1, scored(0.5));
    ASSERT_EQ(inner_.modes().size(), 3u);
    backend_->cancel(jb);
    ASSERT_EQ(b.got.size(), 1u);
    EXPECT_EQ(b.got[0].status, VerdictStatus::error);
    EXPECT_EQ(inner_.cancelled().back(), inner_.ids()[2]);
    // Decided by a rule before cancel: ignored. Unknown ids: ignored.
    Sink c;
    const JobId jc = submit("ok", c);
    backend_->cancel(jc);
    backend_->cancel(999999);
    EXPECT_EQ(c.got.size(), 1u);
    EXPECT_EQ(c.got[0].status, VerdictStatus::ok);
    EXPECT_EQ(a.got.size(), 1u);
    EXPECT_EQ(b.got.size(), 1u);
}

TEST_F(CascadeRouting, CancelBetweenScoreAndReason) {
    build("  safe_below: 0\n  violate_above: 1\n");
    // An inner backend that answers scores inside submit(), and a cancel that lands while the
    // score is being handled, before reasoning starts.
    class Immediate : public Backend {
    public:
        std::function<void()> during_score;
        int reasons = 0;
        JobId submit(Job job, Done done) override {
            if (job.mode == Mode::reason) {
                ++reasons;
                return 1;
            }
            if (during_score) during_score();
            done(scored(0.5));
            return 2;
        }
        void cancel(JobId) override {}
    } immediate;
    CascadeBackend backend(immediate, cascade_);
    Sink s;
    JobId id = 0;
    immediate.during_score = [&] { backend.cancel(id); };
    // The job id is known only after submit returns: cancel the next id the backend will use.
    id = 1;
    Job job;
    job.policy = policy_;
    job.content = Content::message(kHam);
    EXPECT_EQ(backend.submit(std::move(job), s.done()), 1u);
    ASSERT_EQ(s.got.size(), 1u);
    EXPECT_EQ(s.got[0].error, "cancelled");
    EXPECT_EQ(immediate.reasons, 0);
}

TEST_F(CascadeRouting, OtherPoliciesPassThrough) {
    build("  fast: true\n");
    auto other = std::make_shared<const Policy>(parse_policy("---\nid: other\n---\nOther.\n", "p/other.md"));
    Sink s;
    Job job;
    job.policy = other;
    job.content = Content::message("send bitcoin now");
    backend_->submit(std::move(job), s.done());
    ASSERT_EQ(inner_.modes(), std::vector<Mode>{Mode::reason});
    Verdict v = reasoned(true);
    v.latency_ms = 1234;
    inner_.answer(0, v);
    ASSERT_EQ(s.got.size(), 1u);
    EXPECT_EQ(s.got[0].tier, Tier::model);
    EXPECT_DOUBLE_EQ(s.got[0].latency_ms, 1234);  // untouched
}

TEST(CascadeSetup, MissingFastModelIsAClearError) {
    auto p = std::make_shared<const Policy>(
        parse_policy("---\nid: nomodel\ncascade: {fast: true}\n---\nX.\n", "/nonexistent/nomodel.md"));
    EXPECT_TRUE(declares_cascade({p}));
    try {
        Cascade c({p});
        FAIL();
    } catch (const FastModelError& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/nomodel.v1.fast does not exist"),
                  std::string::npos)
            << e.what();
    }
    auto plain = std::make_shared<const Policy>(parse_policy("Plain.", "plain.md"));
    EXPECT_FALSE(declares_cascade({plain}));
}

// A policy's tiers belong to its text, not to the start: what arrives later (a version stored
// over the API, a draft, a policy nobody declared a cascade for at the start) gets its own.
std::shared_ptr<const Policy> versioned(int version, const std::string& rules) {
    return std::make_shared<const Policy>(parse_policy(
        "---\nid: scam\nversion: " + std::to_string(version) + "\n" + rules + "---\nScams.\n", "p/scam.md"));
}
const std::string kBlockRule = "rules:\n  - {id: block, literal: send bitcoin now, action: violate}\n";

Job job_for(std::shared_ptr<const Policy> policy, const std::string& text) {
    Job job;
    job.policy = std::move(policy);
    job.content = Content::message(text);
    job.mode = Mode::reason;
    return job;
}

TEST(CascadeVersions, AVersionStoredAfterTheStartIsDecidedByItsRules) {
    FakeBackend inner;
    CascadeBackend backend(inner, std::make_shared<const Cascade>(
                                      std::vector<std::shared_ptr<const Policy>>{versioned(1, kBlockRule)}));
    Sink s;
    backend.submit(job_for(versioned(2, kBlockRule), "s3nd b1tcoin now please"), s.done());
    ASSERT_EQ(s.got.size(), 1u);
    EXPECT_EQ(s.got[0].tier, Tier::rules);
    EXPECT_EQ(s.got[0].violation, true);
    EXPECT_EQ(s.got[0].policy_version, 2);
    EXPECT_TRUE(inner.modes().empty()) << "the model judged what the rules decide";
}

TEST(CascadeVersions, RulesDecideWhenNoPolicyHadACascadeAtTheStart) {
    FakeBackend inner;
    CascadeBackend backend(inner,
                           std::make_shared<const Cascade>(std::vector<std::shared_ptr<const Policy>>{}));
    Sink ruled;
    backend.submit(job_for(versioned(3, kBlockRule), "send bitcoin now"), ruled.done());
    ASSERT_EQ(ruled.got.size(), 1u);
    EXPECT_EQ(ruled.got[0].tier, Tier::rules);
    // A policy that declares nothing still goes to the model as it asked, unchanged.
    Sink plain;
    backend.submit(job_for(std::make_shared<const Policy>(parse_policy("---\nid: plain\n---\nP.\n", "p.md")),
                           "send bitcoin now"),
                   plain.done());
    EXPECT_EQ(inner.modes(), std::vector<Mode>{Mode::reason});
}

TEST(CascadeVersions, EveryVersionOfAPolicyStartedInTheCascadeIsJudgedAlike) {
    FakeBackend inner;
    const auto plain = [](int version) {
        return std::make_shared<const Policy>(parse_policy(
            "---\nid: plain\nversion: " + std::to_string(version) + "\n---\nP.\n", "p/plain.md"));
    };
    // Started with a set that declares a cascade: plain v1 is scored first; so is its v2.
    CascadeBackend backend(inner, std::make_shared<const Cascade>(std::vector<std::shared_ptr<const Policy>>{
                                      plain(1), versioned(1, kBlockRule)}));
    Sink s;
    backend.submit(job_for(plain(2), "hello"), s.done());
    EXPECT_EQ(inner.modes(), std::vector<Mode>{Mode::score});
    // With --cascade on, any policy is.
    FakeBackend inner_on;
    CascadeBackend on(inner_on,
                      std::make_shared<const Cascade>(std::vector<std::shared_ptr<const Policy>>{}, true));
    Sink t;
    on.submit(job_for(plain(7), "hello"), t.done());
    EXPECT_EQ(inner_on.modes(), std::vector<Mode>{Mode::score});
}

TEST(CascadeVersions, ARuleThatCannotCompileIsAnErrorNeverASkippedRule) {
    FakeBackend inner;
    CascadeBackend backend(inner,
                           std::make_shared<const Cascade>(std::vector<std::shared_ptr<const Policy>>{}));
    Sink s;
    backend.submit(job_for(versioned(4, "rules:\n  - {id: broken, regex: 'a(b', action: violate}\n"), "ab"),
                   s.done());
    ASSERT_EQ(s.got.size(), 1u);
    EXPECT_EQ(s.got[0].status, VerdictStatus::error);
    EXPECT_NE(s.got[0].error.find("rule 'broken'"), std::string::npos) << s.got[0].error;
    EXPECT_TRUE(inner.modes().empty());
}

TEST(CascadeVersions, AVersionWithoutItsFastModelIsJudgedByTheModel) {
    // Started without it, a version whose fast model is missing is not refused: the model judges
    // what the fast tier would have, its rules still decide.
    FakeBackend inner;
    CascadeBackend backend(inner,
                           std::make_shared<const Cascade>(std::vector<std::shared_ptr<const Policy>>{}));
    const auto policy = std::make_shared<const Policy>(
        parse_policy("---\nid: nomodel\nversion: 2\n" + kBlockRule + "cascade: {fast: true}\n---\nX.\n",
                     "/nonexistent/nomodel.md"));
    Sink ruled;
    backend.submit(job_for(policy, "send bitcoin now"), ruled.done());
    ASSERT_EQ(ruled.got.size(), 1u);
    EXPECT_EQ(ruled.got[0].tier, Tier::rules);
    Sink modelled;
    backend.submit(job_for(policy, "hello"), modelled.done());
    EXPECT_EQ(inner.modes(), std::vector<Mode>{Mode::score});
}

}  // namespace
}  // namespace arbiter::cascade
