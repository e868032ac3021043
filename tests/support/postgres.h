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

}  // namespace arbiter::test
