#pragma once
// Numbered schema changes. Each store owns its tables and lists the changes that made them, oldest
// first; opening a store applies those the database has not had yet, and records how far it got
// in schema_versions (one row per store). Instances that open one database at the same time take
// turns: the changes run in one transaction under a lock (SQLite's write lock, a PostgreSQL
// advisory lock), so exactly one applies each change and the others find it done.

#include <span>
#include <string_view>

#include "storage/database.h"

namespace arbiter::storage {

// One change: it is given the database inside the migration's transaction and asks engine()
// where the two engines' SQL differs.
using Migration = void (*)(Database& db);

// Applies to `db` the migrations of `schema` (a store's name) it has not had, in order; migration
// i of the span is version i + 1. Throws StoreError when the database records a later version than
// `migrations` reaches: it was written by a newer arbiter, whose tables this one would misread.
void migrate(Database& db, std::string_view schema, std::span<const Migration> migrations);

// Runs `schema`, written once for both engines with these words for what differs:
//   ID_COLUMN     a row id the database assigns: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT,
//                 PostgreSQL's BIGINT identity (BY DEFAULT, so that a copy may set it)
//   ORDER_COLUMN  PostgreSQL's seq column, the order rows were added in (SQLite has its rowid)
//   REAL_NUMBER   REAL, or DOUBLE PRECISION
//   TIME_TEXT     an ISO 8601 time as text, compared bytewise whatever the database's locale
void exec_schema(Database& db, std::string_view schema);

// Whether `table` has a column named `column` (for tables from before numbered migrations).
bool has_column(Database& db, std::string_view table, std::string_view column);

}  // namespace arbiter::storage
