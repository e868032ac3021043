#include "storage/postgres_connection.h"

#include <libpq-fe.h>

#include <charconv>
#include <vector>

#include "storage/connection.h"

namespace arbiter::storage {

namespace {

// No statement holds a worker longer than this: a stalled database is a refusal, not a hang.
constexpr std::string_view kStatementTimeout = "-c statement_timeout=10000";
// Seconds to wait for a connection when the URL does not say.
constexpr const char* kConnectTimeout = "5";

// PostgreSQL's type id for text: a parameter the statement does not use is given it, where
// PostgreSQL could not otherwise tell its type (a store binds one set of values to related
// statements).
constexpr Oid kTextType = 25;

// The statement with SQLite's ?N parameters as PostgreSQL's $N, outside quoted text; `used`
// gains each N it names.
std::string dollar_parameters(std::string_view sql, std::vector<bool>& used) {
    std::string out;
    out.reserve(sql.size());
    char quote = 0;
    for (size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (quote != 0) {
            if (c == quote) quote = 0;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
            size_t n = 0;
            for (size_t j = i + 1; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j)
                n = n * 10 + static_cast<size_t>(sql[j] - '0');
            if (used.size() < n) used.resize(n);
            if (n > 0) used[n - 1] = true;
            out.push_back('$');
            continue;
        }
        out.push_back(c);
    }
    return out;
}

std::string message_of(PGconn* conn) {
    std::string message = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return message;
}

class PostgresStatement : public StatementImpl {
public:
    PostgresStatement(PGconn* conn, std::string_view sql)
        : conn_(conn), sql_(dollar_parameters(sql, used_)) {}
    ~PostgresStatement() override { PQclear(result_); }
    PostgresStatement(const PostgresStatement&) = delete;
    PostgresStatement& operator=(const PostgresStatement&) = delete;

    // libpq passes text as a C string: a NUL would cut it short without a word, so it is refused.
    void bind(int index, std::string_view text) override {
        if (text.find('\0') != std::string_view::npos)
            throw PostgresError("parameter " + std::to_string(index) +
                                " holds a NUL byte, which PostgreSQL cannot store");
        slot(index) = std::string(text);
    }
    void bind(int index, int64_t value) override { slot(index) = std::to_string(value); }
    void bind(int index, double value) override {
        char buffer[32];
        const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
        slot(index) = std::string(buffer, end);
    }
    void bind_null(int index) override { slot(index).reset(); }

    bool step() override {
        if (result_ == nullptr) run();
        return ++row_ < PQntuples(result_);
    }
    void reset() override {
        PQclear(result_);
        result_ = nullptr;
        row_ = -1;
        params_.clear();
    }

    std::optional<std::string> text(int column) const override {
        if (is_null(column)) return std::nullopt;
        return std::string(PQgetvalue(result_, row_, column),
                           static_cast<size_t>(PQgetlength(result_, row_, column)));
    }
    // As SQLite reads them: NULL is 0, a boolean 1 or 0.
    int64_t integer(int column) const override {
        if (is_null(column)) return 0;
        const char* value = PQgetvalue(result_, row_, column);
        if (value[0] == 't') return 1;
        if (value[0] == 'f') return 0;
        int64_t n = 0;
        std::from_chars(value, value + PQgetlength(result_, row_, column), n);
        return n;
    }
    std::optional<double> real(int column) const override {
        if (is_null(column)) return std::nullopt;
        return std::stod(PQgetvalue(result_, row_, column));
    }
    bool is_null(int column) const override { return PQgetisnull(result_, row_, column) != 0; }

private:
    std::optional<std::string>& slot(int index) {
        if (index < 1) throw PostgresError("parameters are numbered from 1");
        if (params_.size() < static_cast<size_t>(index)) params_.resize(static_cast<size_t>(index));
        return params_[static_cast<size_t>(index) - 1];
    }

    void run() {
        std::vector<const char*> values;
        std::vector<Oid> types;
        for (size_t i = 0; i < params_.size(); ++i) {
            values.push_back(params_[i] ? params_[i]->c_str() : nullptr);
            types.push_back(i < used_.size() && used_[i] ? 0 : kTextType);  // 0: PostgreSQL infers it
        }
        result_ = PQexecParams(conn_, sql_.c_str(), static_cast<int>(values.size()), types.data(),
                               values.data(), nullptr, nullptr, 0);
        const ExecStatusType status = PQresultStatus(result_);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return;
        const std::string why = result_ != nullptr ? PQresultErrorMessage(result_) : message_of(conn_);
        PQclear(result_);
        result_ = nullptr;
        throw PostgresError("PostgreSQL: " + why);
    }

    PGconn* conn_;
    std::vector<bool> used_;  // by parameter index - 1: whether the statement names it
    std::string sql_;
    std::vector<std::optional<std::string>> params_;
    PGresult* result_ = nullptr;
    int row_ = -1;
};

class PostgresConnection : public Connection {
public:
    PostgresConnection(const std::string& url, Database::Access access)
        : conn_(connect_postgres(url, access)) {}
    ~PostgresConnection() override { PQfinish(conn_); }
    PostgresConnection(const PostgresConnection&) = delete;
    PostgresConnection& operator=(const PostgresConnection&) = delete;

    Engine engine() const override { return Engine::postgres; }

    void exec(std::string_view sql) override {
        ensure_usable();
        PGresult* result = PQexec(conn_, std::string(sql).c_str());
        const ExecStatusType status = PQresultStatus(result);
        const std::string why = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK
                                    ? std::string()
                                    : (result != nullptr ? PQresultErrorMessage(result) : message_of(conn_));
        PQclear(result);
        if (!why.empty()) throw PostgresError("PostgreSQL: " + why);
    }
    std::unique_ptr<StatementImpl> prepare(std::string_view sql) override {
        ensure_usable();
        return std::make_unique<PostgresStatement>(conn_, sql);
    }

    void begin() override { exec("BEGIN"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override { PQclear(PQexec(conn_, "ROLLBACK")); }

    // A connection that broke (the server restarted, the network dropped) is made again here, so
    // that the next request works without a restart of arbiter.
    bool usable() override {
        if (PQstatus(conn_) == CONNECTION_OK) return true;
        PQreset(conn_);
        return PQstatus(conn_) == CONNECTION_OK;
    }
    void ensure_usable() override {
        if (!usable()) throw PostgresError("PostgreSQL is unreachable: " + message_of(conn_));
    }

private:
    PGconn* conn_ = nullptr;
};

}  // namespace

PGconn* connect_postgres(const std::string& url, Database::Access access) {
    const char* keys[] = {"dbname", "connect_timeout", "options", "application_name", nullptr};
    const std::string options =
        std::string(kStatementTimeout) +
        (access == Database::Access::read_only ? " -c default_transaction_read_only=on" : "");
    const char* values[] = {url.c_str(), kConnectTimeout, options.c_str(), "arbiter", nullptr};
    // expand_dbname: the URL's own settings win over these defaults.
    PGconn* conn = PQconnectdbParams(keys, values, 1);
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string why = message_of(conn);
        PQfinish(conn);
        throw PostgresError("cannot connect to PostgreSQL: " + why);
    }
    // The server's notices ("already exists, skipping") are not errors, and not for stderr.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    return conn;
}

std::unique_ptr<Connection> open_postgres(const std::string& url, Database::Access access) {
    return std::make_unique<PostgresConnection>(url, access);
}

}  // namespace arbiter::storage
