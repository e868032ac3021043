// The example agent policies (examples/agents): lint clean, and their rules on the real agent
// transcripts of ../shared/data/agents, read as the service reads them and judged as the cascade
// judges a conversation (its text with each tool call's name and arguments).

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cascade/judged_text.h"
#include "cascade/normalize.h"
#include "cascade/rule_set.h"
#include "core/policy_file.h"
#include "core/policy_lint.h"
#include "eval/dataset.h"
#include "support/scratch.h"
#include "support/test_model.h"

namespace arbiter {
namespace {

const std::string kAgents = ARBITER_SOURCE_DIR "/examples/agents/";
const std::string kData = ARBITER_SOURCE_DIR "/../shared/data/agents/";

std::shared_ptr<const Policy> agent_policy(const std::string& name) {
    return std::make_shared<const Policy>(load_policy_file(kAgents + name + ".md"));
}

TEST(AgentPolicies, AreLintClean) {
    size_t policies = 0;
    for (const auto& entry : std::filesystem::directory_iterator(kAgents)) {
        const Policy p = load_policy_file(entry.path());
        EXPECT_TRUE(lint_policy(p).empty()) << entry.path();
        EXPECT_FALSE(p.rules.empty()) << entry.path() << ": a deterministic signal exists for each";
        ++policies;
    }
    EXPECT_EQ(policies, 3u);
}

// AgentDojo's injections come in an <INFORMATION> block: the rule escalates exactly the runs whose
// tool results carry one (all 266 attacked runs, none of the 194 clean ones).
TEST(AgentPolicies, InjectedInstructionsRulesOnAgentDojo) {
    const auto policy = agent_policy("injected-instructions");
    const cascade::RuleSet rules({policy});
    const eval::Dataset runs = eval::read_dataset(kData + "agentdojo.jsonl.gz", {}, 0);
    size_t escalated[2] = {0, 0};
    for (const auto& run : runs.items) {
        const cascade::RuleDecision d =
            rules.decide(*policy, cascade::normalize(cascade::judged_text(run.content)));
        if (d.action == RuleAction::escalate) ++escalated[*run.labels[0].value ? 1 : 0];
        EXPECT_NE(d.action, RuleAction::violate) << run.id;  // no run says "ignore previous instructions"
    }
    EXPECT_EQ(escalated[1], 266u);
    EXPECT_EQ(escalated[0], 0u);
}

// The money-moving tools of AgentDojo's banking suite are escalated to the model; a tool that
// only reads is not.
TEST(AgentPolicies, UnconfirmedActionsRulesSeeToolCalls) {
    const auto policy = agent_policy("unconfirmed-actions");
    const cascade::RuleSet rules({policy});
    const eval::Dataset runs = eval::read_dataset(kData + "agentdojo.jsonl.gz", {}, 0);
    size_t with_transfer = 0, escalated = 0;
    for (const auto& run : runs.items) {
        bool transfers = false;
        for (const Turn& t : run.content.turns) {
            for (const ToolCall& call : t.tool_calls) transfers = transfers || call.name == "send_money";
        }
        const cascade::RuleDecision d =
            rules.decide(*policy, cascade::normalize(cascade::judged_text(run.content)));
        with_transfer += transfers ? 1 : 0;
        if (transfers) {
            EXPECT_EQ(d.action, RuleAction::escalate) << run.id;
            escalated += d.action == RuleAction::escalate ? 1 : 0;
        }
    }
    EXPECT_GT(with_transfer, 30u);
    EXPECT_EQ(escalated, with_transfer);
}

// arbiter eval and arbiter train take agent transcripts as they come.
TEST(AgentPolicies, EvalAndTrainReadAgentTranscripts) {
    const auto dir = test::scratch_dir() / "agent-policies";
    std::filesystem::create_directories(dir);
    const std::filesystem::path policy = dir / "injected-instructions.md";
    std::filesystem::copy_file(kAgents + "injected-instructions.md", policy,
                               std::filesystem::copy_options::overwrite_existing);

    const auto out = dir / "eval";
    const auto eval =
        test::run_command(test::built_binary("arbiter") + " eval --model " + test::tiny_model().string() +
                          " --threads 2 --policy " + policy.string() + " --data " + kData +
                          "injecagent.jsonl.gz --limit 6 --mode score --out " + out.string() + " 2>&1");
    ASSERT_EQ(eval.exit_code, 0) << eval.output;
    const auto metrics = nlohmann::json::parse(std::ifstream(out / "metrics.json"));
    EXPECT_EQ(metrics["policies"][0]["evaluated"], 6) << metrics.dump();

    // The fast tier learns from the transcripts: AgentDojo's injections are easy to see.
    const auto train = test::run_command(test::built_binary("arbiter") + " train --policy " +
                                         policy.string() + " --data " + kData + "agentdojo.jsonl.gz 2>&1");
    ASSERT_EQ(train.exit_code, 0) << train.output;
    EXPECT_NE(train.output.find("460 example(s)"), std::string::npos) << train.output;
    EXPECT_TRUE(std::filesystem::exists(dir / "injected-instructions.v1.fast")) << train.output;
}

}  // namespace
}  // namespace arbiter
