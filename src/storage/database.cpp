#include "storage/database.h"

#include "storage/connection.h"

namespace arbiter::storage {

Statement::Statement(std::unique_ptr<StatementImpl> impl) : impl_(std::move(impl)) {}
Statement::~Statement() = default;
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;

Statement& Statement::bind(int index, std::string_view text) {
    impl_->bind(index, text);
    return *this;
}

Statement& Statement::bind(int index, int64_t value) {
    impl_->bind(index, value);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    impl_->bind(index, value);
    return *this;
}

Statement& Statement::bind_null(int index) {
    impl_->bind_null(index);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool Statement::step() {
    return impl_->step();
}

void Statement::reset() {
    impl_->reset();
}

std::optional<std::string> Statement::text(int column) const {
    return impl_->text(column);
}

int64_t Statement::integer(int column) const {
    return impl_->integer(column);
}

std::optional<double> Statement::real(int column) const {
    return impl_->real(column);
}

bool Statement::is_null(int column) const {
    return impl_->is_null(column);
}

bool is_postgres_url(std::string_view location) {
    return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

std::string without_password(std::string_view location) {
    std::string out(location);
    if (!is_postgres_url(out)) return out;
    // postgresql://user:password@host...: the userinfo ends at the first @ before the path.
    const size_t authority = out.find("://") + 3;
    const size_t at = out.find('@', authority);
    const size_t path = out.find_first_of("/?", authority);
    if (at != std::string::npos && (path == std::string::npos || at < path)) {
        const size_t colon = out.find(':', authority);
        if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    // ...?password=secret&...
    for (size_t key = out.find("password="); key != std::string::npos; key = out.find("password=", key + 1)) {
        if (key == 0 || (out[key - 1] != '?' && out[key - 1] != '&')) continue;
        const size_t value = key + 9;
        const size_t end = out.find('&', value);
        out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
    return out;
}

void take_turns(Database& db, std::string_view key) {
    if (db.engine() != Engine::postgres) return;
    Statement lock = db.prepare("SELECT pg_advisory_xact_lock(hashtext(?1))");
    lock.bind(1, key);
    lock.step();
}

Database::Database(const std::string& location, Access access)
    : connection_(is_postgres_url(location) ? open_postgres(location, access)
                                            : open_sqlite(location, access)) {}

Database::~Database() = default;
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;

Engine Database::engine() const {
    return connection_->engine();
}

void Database::exec(std::string_view sql) {
    connection_->exec(sql);
}

Statement Database::prepare(std::string_view sql) {
    return Statement(connection_->prepare(sql));
}

bool Database::usable() {
    return connection_->usable();
}

void Database::ensure_usable() {
    connection_->ensure_usable();
}

Database::Transaction::Transaction(Database& db) : db_(db) {
    db_.connection_->begin();
}

Database::Transaction::~Transaction() {
    if (!done_) db_.connection_->rollback();
}

void Database::Transaction::commit() {
    db_.connection_->commit();
    done_ = true;
}

}  // namespace arbiter::storage
