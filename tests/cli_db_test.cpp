// `arbiter db copy` as an operator runs it: a SQLite file into a PostgreSQL URL with a password,
// which it never prints; the same again refused (exit 2) with what to do, then resumed.

#include <gtest/gtest.h>

#include <filesystem>

#include "support/every_table.h"
#include "support/postgres.h"
#include "support/scratch.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::run_command;

bool holds(const std::string& output, const std::string& words) {
    return output.find(words) != std::string::npos;
}

TEST(DbCopyCommand, CopiesRefusesATargetWithRowsAndResumesWithoutShowingThePassword) {
    const std::string source = (test::scratch_dir() / "cli-copy-source.db").string();
    std::filesystem::remove(source);
    test::fill_every_table(source);
    const std::string url = test::fresh_postgres_db("cli-copy") + "&password=hunter2";
    const std::string copy = built_binary("arbiter") + " db copy --from " + source + " --to '" + url + "'";

    std::string printed;  // everything the command printed, all four times
    test::CommandResult r = run_command(copy);
    printed += r.output;
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(holds(r.output, "password=***")) << r.output;
    EXPECT_TRUE(holds(r.output, "25 rows: 25 copied\n")) << r.output;

    r = run_command(copy);
    printed += r.output;
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(holds(r.output, "holds rows already, in its policy_versions table: add --resume"))
        << r.output;

    r = run_command(copy + " --resume --batch 7");
    printed += r.output;
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(holds(r.output, "25 rows: 0 copied, 25 there already")) << r.output;
    EXPECT_EQ(test::dump_every_table(url), test::dump_every_table(source));

    r = run_command(built_binary("arbiter") + " db copy --from " + source + ".missing --to '" + url + "'");
    printed += r.output;
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_TRUE(holds(r.output, ".missing: no such file")) << r.output;
    EXPECT_FALSE(holds(printed, "hunter2")) << printed;
}

}  // namespace
}  // namespace arbiter
