#include "storage/sqlite.h"

#include <sys/stat.h>

namespace arbiter::storage {

namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
    throw SqliteError(std::string(file != nullptr && *file != '\0' ? file : "database") + ": " +
                      std::string(what) + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK)
        fail(db, "cannot prepare a statement");
}

Statement::~Statement() {
    sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
        fail(db_, "cannot bind a value");
    return *this;
}

Statement& Statement::bind(int index, int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "cannot bind a value");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) fail(db_, "cannot bind a value");
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "cannot bind a value");
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "statement failed");
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::optional<std::string> Statement::text(int column) const {
    const auto* p = sqlite3_column_text(stmt_, column);
    if (p == nullptr) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(stmt_, column);
}

std::optional<double> Statement::real(int column) const {
    if (is_null(column)) return std::nullopt;
    return sqlite3_column_double(stmt_, column);
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Sqlite::Sqlite(const std::filesystem::path& path, Access access) : path_(path) {
    const bool writable = access == Access::read_write;
    const int flags =
        (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw SqliteError(path.string() + ": cannot open the database: " + message);
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
        exec("PRAGMA journal_mode=WAL");
        // WAL with synchronous=NORMAL: a committed transaction survives the process crashing; only
        // an OS crash or power loss can lose the last few, and never corrupts the file.
        exec("PRAGMA synchronous=NORMAL");
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

Sqlite::~Sqlite() {
    sqlite3_close(db_);
}

bool Sqlite::file_in_place() const {
    struct stat st {};
    return stat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_;
}

void Sqlite::ensure_file() const {
    if (!file_in_place())
        throw SqliteError(path_.string() +
                          ": the database file was deleted or replaced while open; restart the "
                          "server to write a new one");
}

void Sqlite::exec(std::string_view sql) {
    const std::string statement(sql);
    char* message = nullptr;
    if (sqlite3_exec(db_, statement.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        const std::string why = message != nullptr ? message : "unknown error";
        sqlite3_free(message);
        fail(db_, why);
    }
}

Sqlite::Transaction::Transaction(Sqlite& db) : db_(db) {
    db_.exec("BEGIN IMMEDIATE");
}

Sqlite::Transaction::~Transaction() {
    if (!done_) sqlite3_exec(db_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Sqlite::Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace arbiter::storage
