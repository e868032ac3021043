#pragma once
// One table copied from one database into another, either engine into either, by column name: the
// columns both databases have (a column the target's newer schema added takes its default), every
// value as it was, ids included. Written for arbiter's own tables (storage/state_tables.h), each
// of which has a primary key: the copy reads in its order, a batch at a time.

#include <cstddef>
#include <functional>
#include <string_view>

#include "storage/database.h"

namespace arbiter::storage {

// Called after each batch a copy commits, with how many more of the source's rows it has passed.
using RowsPassed = std::function<void(size_t rows)>;

// Whether `db` has a table named `table`.
bool has_table(Database& db, std::string_view table);
// How many rows `table` holds; whether it holds any.
size_t count_rows(Database& db, std::string_view table);
bool has_rows(Database& db, std::string_view table);

// Copies the rows of `table` from `from` into `to`, which has the table: in the order of the
// source's primary key, `batch_rows` at a time, each batch in one transaction of `to`. A row whose
// key `to` holds already is left as it is, so that a copy stopped at any point (killed, its
// connection lost) and run again finishes without duplicating a row; where the key is one integer
// (an id), the copy starts after the largest `to` holds, which is where a copy in key order
// stopped. Returns how many rows it wrote. Throws StoreError.
size_t copy_table(Database& from, Database& to, std::string_view table, size_t batch_rows,
                  const RowsPassed& passed);

// Sets the identity sequences of `table` in `to` (PostgreSQL) past the largest value it holds, so
// that rows added later get new ids rather than copied ones. SQLite needs nothing: AUTOINCREMENT
// follows the largest id inserted.
void advance_identities(Database& to, std::string_view table);

}  // namespace arbiter::storage
