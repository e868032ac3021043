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

void require_sqlite(const Database& db, std::string_view store) {
    if (db.engine() != Engine::sqlite)
        throw StoreError(std::string(store) +
                         " does not run on PostgreSQL yet: give --db a SQLite file path for now");
}

Database::Database(const std::string& location, Access access)
    : connection_(is_postgres_url(location) ? open_postgres(location) : open_sqlite(location, access)) {}

Database::~Database() = default;

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
