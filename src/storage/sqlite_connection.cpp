#include "storage/sqlite_connection.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "storage/connection.h"

namespace arbiter::storage {

namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
    throw SqliteError(std::string(file != nullptr && *file != '\0' ? file : "database") + ": " +
                      std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

class SqliteStatement : public StatementImpl {
public:
    SqliteStatement(sqlite3* db, std::string_view sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
            fail(db, "cannot prepare a statement");
    }
    ~SqliteStatement() override { sqlite3_finalize(stmt_); }
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    void bind(int index, std::string_view text) override {
        check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    }
    void bind(int index, int64_t value) override { check(sqlite3_bind_int64(stmt_, index, value)); }
    void bind(int index, double value) override { check(sqlite3_bind_double(stmt_, index, value)); }
    void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index)); }

    bool step() override {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail(db_, "statement failed");
    }
    void reset() override {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    std::optional<std::string> text(int column) const override {
        const auto* p = sqlite3_column_text(stmt_, column);
        if (p == nullptr) return std::nullopt;
        return std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
    }
    int64_t integer(int column) const override { return sqlite3_column_int64(stmt_, column); }
    std::optional<double> real(int column) const override {
        if (is_null(column)) return std::nullopt;
        return sqlite3_column_double(stmt_, column);
    }
    bool is_null(int column) const override { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

private:
    void check(int rc) const {
        if (rc != SQLITE_OK) fail(db_, "cannot bind a value");
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

class SqliteConnection final : public Connection {
public:
    SqliteConnection(const std::string& path, Database::Access access) : path_(path) {
        const bool writable = access == Database::Access::read_write;
        const int flags = (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
                          SQLITE_OPEN_NOMUTEX;
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            throw SqliteError(path + ": cannot open the database: " + message);
        }
        try {
            // Another connection (a second arbiter, an operator's sqlite3) may hold the write lock
            // briefly; wait for it rather than fail.
            sqlite3_busy_timeout(db_, 5000);
            struct stat st {};
            if (stat(path.c_str(), &st) == 0) {
                device_ = st.st_dev;
                inode_ = st.st_ino;
            }
            if (!writable) return;
            // Pages that retention and erasure free go back to the file system (decision_erasure.cpp)
            // rather than wait in the file for reuse. SQLite takes the setting only before the first
            // table is made: a file made by an older arbiter keeps its pages until `arbiter db vacuum`.
            exec("PRAGMA auto_vacuum=INCREMENTAL");
            // Erased content is overwritten in the pages that held it, where that costs no extra
            // write, rather than left readable in the file's free space.
            exec("PRAGMA secure_delete=FAST");
            exec("PRAGMA journal_mode=WAL");
            // WAL with synchronous=NORMAL: a committed transaction survives the process crashing;
            // only an OS crash or power loss can lose the last few, and never corrupts the file.
            exec("PRAGMA synchronous=NORMAL");
        } catch (...) {
            sqlite3_close(db_);
            throw;
        }
    }
    ~SqliteConnection() override { sqlite3_close(db_); }
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    Engine engine() const override { return Engine::sqlite; }

    void exec(std::string_view sql) override {
        const std::string statement(sql);
        char* message = nullptr;
        if (sqlite3_exec(db_, statement.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
            const std::string why = message != nullptr ? message : "unknown error";
            sqlite3_free(message);
            fail(db_, why);
        }
    }
    std::unique_ptr<StatementImpl> prepare(std::string_view sql) override {
        return std::make_unique<SqliteStatement>(db_, sql);
    }

    void begin() override { exec("BEGIN IMMEDIATE"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

    bool usable() override {
        struct stat st {};
        return stat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_;
    }
    void ensure_usable() override {
        if (!usable())
            throw SqliteError(path_ +
                              ": the database file was deleted or replaced while open; restart the "
                              "server to write a new one");
    }

private:
    sqlite3* db_ = nullptr;
    std::string path_;
    dev_t device_ = 0;
    ino_t inode_ = 0;
};

}  // namespace

std::unique_ptr<Connection> open_sqlite(const std::string& path, Database::Access access) {
    return std::make_unique<SqliteConnection>(path, access);
}

}  // namespace arbiter::storage
