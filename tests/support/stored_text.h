#pragma once
// Everything a database holds, as text, for tests that check what was kept and what was not: a
// SQLite file's bytes (with its WAL beside it, where rows may still be), or every row of every
// table of a PostgreSQL database.

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "storage/database.h"

namespace arbiter::test {

inline std::string stored_text(const std::string& location) {
    std::string text;
    if (!storage::is_postgres_url(location)) {
        for (const std::string suffix : {"", "-wal"}) {
            std::ifstream file(location + suffix, std::ios::binary);
            text.append((std::istreambuf_iterator<char>(file)), {});
        }
        return text;
    }
    storage::Database db(location);
    std::vector<std::string> tables;
    storage::Statement names =
        db.prepare("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()");
    while (names.step()) tables.push_back(names.text(0).value_or(""));
    for (const std::string& table : tables) {
        storage::Statement rows = db.prepare("SELECT t::text FROM \"" + table + "\" t");
        while (rows.step()) text += rows.text(0).value_or("") + "\n";
    }
    return text;
}

}  // namespace arbiter::test
