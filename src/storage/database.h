#pragma once
// The database that holds the stores' tables, and the statements run on it. Stores write their
// SQL once, with ?1, ?2... parameters; where the engines' SQL differs a store asks engine().
// A Database is one connection and is not thread-safe: its owner locks.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/store_error.h"

namespace arbiter::storage {

class Connection;
class StatementImpl;

enum class Engine {
    sqlite,    // a file: the default, nothing to install or run
    postgres,  // a postgresql:// URL: one database that several instances share
};

// Whether `location` is a PostgreSQL URL (postgresql:// or postgres://) rather than a file path.
bool is_postgres_url(std::string_view location);

// `location` as it may be printed or logged: a URL's password (user:password@ or password=) as ***.
std::string without_password(std::string_view location);

class Statement {
public:
    explicit Statement(std::unique_ptr<StatementImpl> impl);
    ~Statement();
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;

    // Parameters are 1-based (?1 is index 1).
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, int64_t value);
    Statement& bind(int index, double value);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::string>& text);

    // Advances; true while a row is available.
    bool step();
    // Ready to run again, its parameters cleared.
    void reset();

    std::optional<std::string> text(int column) const;
    int64_t integer(int column) const;
    std::optional<double> real(int column) const;
    bool is_null(int column) const;

private:
    std::unique_ptr<StatementImpl> impl_;
};

class Database {
public:
    enum class Access {
        read_write,  // created if missing
        read_only,   // must exist; another process may be writing it; nothing written through this one
    };
    // Opens the database at `location`: a file path (SQLite) or a PostgreSQL URL (read_only: every
    // transaction read-only). Throws StoreError.
    explicit Database(const std::string& location, Access access = Access::read_write);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;

    Engine engine() const;
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);

    // Whether writes can go on. A SQLite file deleted or replaced while open is not: SQLite would
    // go on writing to the unlinked file, and every write would be lost. A PostgreSQL connection
    // that broke is made again here.
    bool usable();
    // Throws StoreError, saying why, when it is not.
    void ensure_usable();

    // Commits on commit(); rolls back if destroyed before.
    class Transaction {
    public:
        explicit Transaction(Database& db);
        ~Transaction();
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;
        void commit();

    private:
        Database& db_;
        bool done_ = false;
    };

private:
    std::unique_ptr<Connection> connection_;
};

// Inside a transaction of `db`: writers that pass the same `key` take turns until it ends, on
// PostgreSQL as on SQLite (whose write lock makes every writer wait already), so that what one
// reads before it writes (the next version number) is not raced by another instance.
void take_turns(Database& db, std::string_view key);

}  // namespace arbiter::storage
