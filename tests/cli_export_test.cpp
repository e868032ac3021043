// `arbiter export statements` on a log written as the service writes it: one statement a line for
// the decisions that restrict content, each meeting the DSA Transparency Database's rules
// (support/statement_schema.h), filtered by time and policy, with a summary naming the policies
// without a mapping; and the refusals of unusable arguments.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/policy_file.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "support/decision_rows.h"
#include "support/scratch.h"
#include "support/statement_schema.h"

namespace arbiter {
namespace {

using nlohmann::json;
using test::run_command;

bool holds(const std::string& output, const std::string& words) {
    return output.find(words) != std::string::npos;
}

std::vector<json> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<json> out;
    for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
    return out;
}

// Decisions 1-4: scams flagged, scams safe, scams flagged (then reviewed), plain flagged.
std::string export_db() {
    std::string db = (test::scratch_dir() / "cli-export.db").string();
    std::filesystem::remove(db);
    test::write_decisions(db, {{"scams", R"({"text":"Send your card number"})", 1},
                               {"scams", R"({"text":"Lunch?"})", 0},
                               {"scams", R"({"text":"Claim your prize"})", 1},
                               {"plain", R"({"text":"Buy followers"})", 1}});
    storage::PolicyStore policies(db);
    policies.put(
        parse_policy("---\ndsa:\n  decision_ground: DECISION_GROUND_INCOMPATIBLE_CONTENT\n"
                     "  ground: Terms, section 4\n  explanation: No scams.\n"
                     "  category: STATEMENT_CATEGORY_SCAMS_AND_FRAUD\n"
                     "  decision_visibility: [DECISION_VISIBILITY_CONTENT_REMOVED]\n---\nFlag scams.\n",
                     "scams.md"),
        false);
    policies.put(parse_policy("Flag spam.\n", "plain.md"), false);
    storage::ReviewLog reviews(db);
    storage::Review label;
    label.policy_id = "scams";
    label.policy_version = 1;
    label.content_json = R"({"text":"Claim your prize"})";
    label.violation = true;
    label.reviewer = "rita";
    label.source = "console";
    label.decision_id = 3;
    reviews.add(label);
    return db;
}

TEST(ExportStatements, WritesOneValidStatementPerRestrictingDecisionAndNamesUnmappedPolicies) {
    const std::string db = export_db();
    const std::string out = (test::scratch_dir() / "statements.jsonl").string();
    const std::string command = test::built_binary("arbiter") + " export statements --db " + db;
    const test::CommandResult r = run_command(command + " --since 2020-01-01 --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(holds(r.output, "4 decisions read: 2 statements, 1 without a violation")) << r.output;
    EXPECT_TRUE(holds(r.output, "no statements for policy 'plain': policy 'plain' has no dsa: mapping"))
        << r.output;

    const std::vector<json> statements = lines_of(out);
    ASSERT_EQ(statements.size(), 2u);
    for (const json& s : statements)
        EXPECT_EQ(test::completed_statement_errors(s), std::vector<std::string>()) << s.dump(2);
    // Newest first: decision 3, reviewed, then decision 1.
    EXPECT_EQ(statements[0]["puid"].get<std::string>().rfind("arbiter-3-", 0), 0u);
    EXPECT_EQ(statements[0]["automated_decision"], "AUTOMATED_DECISION_PARTIALLY");
    EXPECT_EQ(statements[1]["automated_decision"], "AUTOMATED_DECISION_FULLY");

    // Without --out, to stdout (the summary goes to stderr, which run_command merges in).
    const test::CommandResult scams = run_command(command + " --since 2020-01-01 --policy scams");
    EXPECT_EQ(scams.exit_code, 0);
    EXPECT_TRUE(holds(scams.output, "3 decisions read: 2 statements, 1 without a violation")) << scams.output;
    EXPECT_FALSE(holds(scams.output, "'plain'")) << scams.output;
    std::vector<json> printed;
    std::istringstream lines(scams.output);
    for (std::string line; std::getline(lines, line);)
        if (line.starts_with("{")) printed.push_back(json::parse(line));
    EXPECT_EQ(printed, statements);
    const test::CommandResult later = run_command(command + " --since 2999-01-01");
    EXPECT_TRUE(holds(later.output, "0 decisions read: 0 statements")) << later.output;
    const test::CommandResult earlier = run_command(command + " --since 2020-01-01 --until 2020-01-02");
    EXPECT_TRUE(holds(earlier.output, "0 decisions read")) << earlier.output;
}

TEST(ExportStatements, RefusesUnusableArguments) {
    const std::string arbiter = test::built_binary("arbiter");
    const std::string db = export_db();
    const test::CommandResult bad_date =
        run_command(arbiter + " export statements --db " + db + " --since yesterday");
    EXPECT_EQ(bad_date.exit_code, 2);
    EXPECT_TRUE(holds(bad_date.output, "--since and --until take an ISO 8601 UTC date")) << bad_date.output;
    const test::CommandResult no_db =
        run_command(arbiter + " export statements --db /nonexistent/x.db --since 2020-01-01");
    EXPECT_EQ(no_db.exit_code, 2);
    EXPECT_TRUE(holds(no_db.output, "no such database file")) << no_db.output;
    EXPECT_EQ(run_command(arbiter + " export statements --db " + db).exit_code, 2);  // --since is required
    const test::CommandResult help = run_command(arbiter + " export statements --help");
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_TRUE(holds(help.output, "DSA Transparency Database")) << help.output;
}

}  // namespace
}  // namespace arbiter
