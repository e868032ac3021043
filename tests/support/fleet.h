#pragma once
// Several `arbiter serve` processes on one PostgreSQL database (the test cluster), named a, b and
// c (--instance), for the tests of instances behaving as one service.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/postgres.h"
#include "support/server_process.h"
#include "support/service_client.h"

namespace arbiter::test {

// `arbiter apikey ARGUMENTS --db DB`; the key it printed (its first line; the rest is its report).
inline std::string test_apikey(const std::string& db, const std::string& arguments) {
    const CommandResult made =
        run_command(built_binary("arbiter") + " apikey " + arguments + " --db '" + db + "'");
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return made.output.substr(0, made.output.find('\n'));
}

class Fleet : public ::testing::Test {
protected:
    // Three instances on a new database, after `before` (keys made in it, say), each started with
    // `args` besides the policies and its name.
    void start(const std::string& name, const std::function<void()>& before = {},
               const std::vector<std::string>& args = {}) {
        db_ = fresh_postgres_db(name);
        if (before) before();
        for (const char* instance : {"a", "b", "c"}) {
            std::vector<std::string> all = {"--policies", kPolicies, "--instance", instance};
            all.insert(all.end(), args.begin(), args.end());
            servers_.push_back(std::make_unique<ServerProcess>(db_, all));
        }
    }
    int port(size_t i) const { return servers_[i]->port(); }
    std::string apikey(const std::string& arguments) const { return test_apikey(db_, arguments); }

    std::string db_;
    std::vector<std::unique_ptr<ServerProcess>> servers_;
};

}  // namespace arbiter::test
