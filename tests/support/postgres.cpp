#include "support/postgres.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "storage/database.h"
#include "support/scratch.h"

namespace arbiter::test {

namespace {

const std::string kScript = std::string(ARBITER_SOURCE_DIR) + "/scripts/postgres-cluster";

// Starts a cluster in `dir` (emptied first); its URL.
std::string start_cluster(const std::string& dir) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const CommandResult started = run_command(kScript + " start " + dir);
    if (started.exit_code != 0)
        throw std::runtime_error("cannot start a PostgreSQL cluster: " + started.output);
    std::string url = started.output;
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    return url;
}

std::string own_cluster() {
    static const std::string dir = (scratch_dir() / "postgres").string();
    std::string url = start_cluster(dir);
    std::atexit([] { (void)run_command(kScript + " stop " + dir); });
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
    // PostgreSQL cuts names at 63 bytes; the test's name is only a reader's hint.
    const std::string db =
        "t_" + std::to_string(getpid()) + "_" + std::to_string(++count) + "_" + name.substr(0, 40);
    storage::Database maintenance(postgres_url());
    maintenance.exec("DROP DATABASE IF EXISTS \"" + db + "\"");
    maintenance.exec("CREATE DATABASE \"" + db + "\"");
    const std::string& url = postgres_url();
    const size_t path = url.find("/postgres?");
    if (path == std::string::npos)
        throw std::runtime_error("the test cluster's URL names no /postgres database: " + url);
    return url.substr(0, path) + "/" + db + url.substr(path + 9);
}

OwnPostgres::OwnPostgres(const std::string& name)
    : dir_((scratch_dir() / ("postgres-" + name)).string()), url_(start_cluster(dir_)) {}

OwnPostgres::~OwnPostgres() {
    (void)run_command(kScript + " stop " + dir_);
}

void OwnPostgres::restart() const {
    const CommandResult restarted = run_command(kScript + " restart " + dir_);
    if (restarted.exit_code != 0) throw std::runtime_error("cannot restart PostgreSQL: " + restarted.output);
}

}  // namespace arbiter::test
