#pragma once
// Storage tests that run on each engine: a SQLite file and a database on the test cluster
// (support/postgres.h), never a mock. A suite derives from OnBothEngines, asks fresh() for an
// empty database, and is instantiated with ARBITER_ON_BOTH_ENGINES(Suite).

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "storage/database.h"
#include "support/postgres.h"
#include "support/scratch.h"

namespace arbiter::test {

class OnBothEngines : public ::testing::TestWithParam<storage::Engine> {
protected:
    // A new, empty database of the engine under test; its location, as --db takes it.
    std::string fresh(const std::string& name) const {
        if (GetParam() == storage::Engine::postgres) return fresh_postgres_db(name);
        const std::filesystem::path path = scratch_dir() / ("engines-" + name + ".db");
        std::filesystem::remove(path);
        return path.string();
    }
};

inline std::string engine_name(const ::testing::TestParamInfo<storage::Engine>& info) {
    return info.param == storage::Engine::sqlite ? "sqlite" : "postgres";
}

}  // namespace arbiter::test

#define ARBITER_ON_BOTH_ENGINES(suite)                                                           \
    INSTANTIATE_TEST_SUITE_P(                                                                    \
        Engines, suite,                                                                          \
        ::testing::Values(arbiter::storage::Engine::sqlite, arbiter::storage::Engine::postgres), \
        arbiter::test::engine_name)
