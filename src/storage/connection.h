#pragma once
// What each database engine implements under storage::Database (database.h): a connection and
// its statements. Only database.cpp and the engines' own files use it.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/database.h"

namespace arbiter::storage {

class StatementImpl {
public:
    virtual ~StatementImpl() = default;
    virtual void bind(int index, std::string_view text) = 0;
    virtual void bind(int index, int64_t value) = 0;
    virtual void bind(int index, double value) = 0;
    virtual void bind_null(int index) = 0;
    virtual bool step() = 0;
    virtual void reset() = 0;
    virtual std::optional<std::string> text(int column) const = 0;
    virtual int64_t integer(int column) const = 0;
    virtual std::optional<double> real(int column) const = 0;
    virtual bool is_null(int column) const = 0;
};

class Connection {
public:
    virtual ~Connection() = default;
    virtual Engine engine() const = 0;
    virtual void exec(std::string_view sql) = 0;
    virtual std::unique_ptr<StatementImpl> prepare(std::string_view sql) = 0;
    // A transaction that takes the write lock at once (SQLite's BEGIN IMMEDIATE).
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    virtual bool usable() = 0;
    virtual void ensure_usable() = 0;
};

// The SQLite file at `path` (sqlite_connection.cpp).
std::unique_ptr<Connection> open_sqlite(const std::string& path, Database::Access access);
// The PostgreSQL database `url` names (postgres_connection.cpp).
std::unique_ptr<Connection> open_postgres(const std::string& url, Database::Access access);

}  // namespace arbiter::storage
