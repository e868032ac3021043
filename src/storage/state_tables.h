#pragma once
// The tables that hold arbiter's state, each owned by one store, for what works on all of them at
// once (a copy into another database, storage/database_copy.h). schema_versions is not among
// them: it records what the migrations did to this database, and every store's migrations write it.

#include <array>
#include <string>
#include <string_view>

namespace arbiter::storage {

// In the order a copy writes them: what others refer to first (policy versions before the
// shadows that name them, decisions before the reviews of them).
inline constexpr std::array<std::string_view, 8> kStateTables = {
    "policy_versions", "policy_shadows", "decisions", "reviews",
    "queue_rules",     "runs",           "api_keys",  "audit_events",
};

// Opens every store on the database at `location`, so that it holds each of kStateTables at the
// schema version this arbiter knows (each store's constructor runs its migrations). Throws
// StoreError, as the stores do: a database written by a newer arbiter among others.
void create_state_tables(const std::string& location);

}  // namespace arbiter::storage
