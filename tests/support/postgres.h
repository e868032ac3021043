#pragma once
// PostgreSQL for the tests, never a mock: the cluster scripts/test starts for the whole run
// (ARBITER_TEST_POSTGRES, its URL), or, when a test binary runs alone, a throwaway cluster of its
// own (scripts/postgres-cluster), stopped when the process exits.

#include <string>

namespace arbiter::test {

// A URL of the test cluster's maintenance database ("postgresql:///postgres?host=DIR&user=...").
const std::string& postgres_url();

// A new, empty database on the test cluster; its URL.
std::string fresh_postgres_db(const std::string& name);

// A cluster of one test's own, for a test that restarts the database (never the shared one):
// started by the constructor, stopped by the destructor.
class OwnPostgres {
public:
    explicit OwnPostgres(const std::string& name);
    ~OwnPostgres();
    OwnPostgres(const OwnPostgres&) = delete;
    OwnPostgres& operator=(const OwnPostgres&) = delete;

    // The URL of its maintenance database, which a test may use as its own.
    const std::string& url() const { return url_; }
    // Stops it, dropping every connection, and starts it again.
    void restart() const;

private:
    std::string dir_;
    std::string url_;
};

}  // namespace arbiter::test
