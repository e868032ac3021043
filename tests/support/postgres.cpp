#include "support/postgres.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "storage/database.h"
#include "support/scratch.h"

namespace arbiter::test {

namespace {

std::string own_cluster() {
    static const std::string dir = (scratch_dir() / "postgres").string();
    std::filesystem::create_directories(dir);
    const std::string script = std::string(ARBITER_SOURCE_DIR) + "/scripts/postgres-cluster";
    const CommandResult started = run_command(script + " start " + dir);
    if (started.exit_code != 0)
        throw std::runtime_error("cannot start a PostgreSQL cluster: " + started.output);
    std::atexit(
        [] { (void)run_command(std::string(ARBITER_SOURCE_DIR) + "/scripts/postgres-cluster stop " + dir); });
    std::string url = started.output;
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    return url;
}

}  // namespace

const std::string& postgres_url() {
    static const std::string url = [] {
        const char* shared = std::getenv("ARBITER_TEST_POSTGRES");
        return shared != nullptr && *shared != '\0' ? std::string(shared) : own_cluster();
    }();
    return url;
}

std::string fresh_postgres_db(const std::string& name) {
    static int count = 0;
    const std::string db = "t_" + std::to_string(getpid()) + "_" + std::to_string(++count) + "_" + name;
    storage::Database maintenance(postgres_url());
    maintenance.exec("DROP DATABASE IF EXISTS \"" + db + "\"");
    maintenance.exec("CREATE DATABASE \"" + db + "\"");
    const std::string& url = postgres_url();
    const size_t path = url.find("/postgres?");
    if (path == std::string::npos)
        throw std::runtime_error("the test cluster's URL names no /postgres database: " + url);
    return url.substr(0, path) + "/" + db + url.substr(path + 9);
}

}  // namespace arbiter::test
