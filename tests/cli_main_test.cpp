// The `arbiter` binary's top level: unknown commands, help and version.

#include <gtest/gtest.h>

#include "support/test_model.h"

namespace arbiter {
namespace {

using test::built_binary;
using test::run_command;

TEST(CliMain, UnknownCommandIsAnErrorEvenWithHelp) {
    for (const char* args : {" NOSUCH --help", " NOSUCH", " classfy --text x"}) {
        const auto r = run_command(built_binary("arbiter") + args);
        EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
        EXPECT_NE(r.output.find("unknown command"), std::string::npos) << r.output;
    }
}

TEST(CliMain, KnownCommandHelpStillWorks) {
    const auto r = run_command(built_binary("arbiter") + " classify --help");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("--policy"), std::string::npos) << r.output;
}

TEST(CliMain, VersionEndsWithANewline) {
    const auto r = run_command(built_binary("arbiter") + " --version");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output, "arbiter 0.1.0\n");
}

}  // namespace
}  // namespace arbiter
