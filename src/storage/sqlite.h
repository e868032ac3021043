#pragma once
// A thin RAII layer over SQLite's C API: one connection, prepared statements, and errors as
// exceptions that name the database file. A connection is not thread-safe; its owner locks.

#include <sqlite3.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/store_error.h"

namespace arbiter::storage {

class SqliteError : public StoreError {
public:
    using StoreError::StoreError;
};

class Statement {
public:
    Statement(sqlite3* db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are 1-based, as in SQLite.
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::string>& text);

    // Advances; true while a row is available.
    bool step();
    void reset();

    std::optional<std::string> text(int column) const;
    int64_t integer(int column) const;
    std::optional<double> real(int column) const;
    bool is_null(int column) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class Sqlite {
public:
    enum class Access {
        read_write,  // created if missing, in WAL mode
        read_only,   // must exist; another process may be writing it
    };
    // Opens the database. Throws SqliteError.
    explicit Sqlite(const std::filesystem::path& path, Access access = Access::read_write);
    ~Sqlite();
    Sqlite(const Sqlite&) = delete;
    Sqlite& operator=(const Sqlite&) = delete;

    void exec(std::string_view sql);
    Statement prepare(std::string_view sql) { return Statement(db_, sql); }

    // Throws SqliteError when the file opened is no longer at its path (deleted, or replaced by
    // another): SQLite would go on writing to the unlinked file, and every write would be lost.
    void ensure_file() const;
    bool file_in_place() const;

    // Commits on commit(); rolls back if destroyed before.
    class Transaction {
    public:
        explicit Transaction(Sqlite& db);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        void commit();

    private:
        Sqlite& db_;
        bool done_ = false;
    };

private:
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

}  // namespace arbiter::storage
