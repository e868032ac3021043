// Defaults that agree with each other: a server started with nothing but a model and policies
// must not warn that its context (--ctx) leaves less room for content than its content limit
// (max_content_tokens). Each example policy folder is started as the documents start it.

#include <gtest/gtest.h>

#include <filesystem>

#include "support/scratch.h"
#include "support/server_process.h"

namespace arbiter {
namespace {

TEST(ServeDefaults, AStartWithTheDefaultsLeavesTheContentLimitRoom) {
    for (const char* folder : {"policies", "perspective", "cascade"}) {
        const std::string policies = std::string(ARBITER_SOURCE_DIR) + "/examples/" + folder;
        const std::filesystem::path db = test::scratch_dir() / (std::string("defaults-") + folder + ".db");
        test::ServerProcess server(db, {"--policies", policies});
        EXPECT_EQ(server.log().find("longer content gets 413"), std::string::npos) << folder << ":\n"
                                                                                   << server.log();
        EXPECT_EQ(server.stop(), 0) << server.log();
    }
}

}  // namespace
}  // namespace arbiter
