#include "storage/audit_log.h"

#include <unistd.h>

#include <array>
#include <cstdlib>

#include "core/sha256.h"
#include "storage/decision_log.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

constexpr std::string_view kAuditEvents = R"sql(
CREATE TABLE IF NOT EXISTS audit_events (
  id ID_COLUMN,
  created_at TIME_TEXT NOT NULL,
  actor TEXT NOT NULL,
  address TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL,
  sha256 TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_events_created ON audit_events(created_at);
)sql";

// Triggers, not permissions: arbiter's own connection owns the table, and a fleet's operators
// share that role; a trigger stops every accidental or casual change the same way on both engines.
constexpr std::string_view kSqliteAppendOnly = R"sql(
CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
)sql";
constexpr std::string_view kPostgresAppendOnly = R"sql(
CREATE OR REPLACE FUNCTION arbiter_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$;
CREATE OR REPLACE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION arbiter_audit_append_only();
CREATE OR REPLACE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION arbiter_audit_append_only();
)sql";

void create_audit_events(Database& db) {
    exec_schema(db, kAuditEvents);
    db.exec(db.engine() == Engine::postgres ? kPostgresAppendOnly : kSqliteAppendOnly);
}

constexpr Migration kMigrations[] = {create_audit_events};

constexpr std::string_view kColumns = "id, created_at, actor, address, action, target, detail, sha256";

// The hash that chains a row to the one before it. Each field is preceded by its length, so no
// text moved from one field to the next (a target is a caller's words) hashes alike.
std::string chained_hash(const std::string& previous, const std::array<std::string, 6>& fields) {
    std::string data = previous;
    for (const std::string& field : fields) {
        data += '\n';
        data += std::to_string(field.size());
        data += ':';
        data += field;
    }
    return sha256_hex(data);
}

std::string last_hash(Database& db) {
    Statement select = db.prepare("SELECT sha256 FROM audit_events ORDER BY id DESC LIMIT 1");
    return select.step() ? select.text(0).value_or("") : "";
}

nlohmann::ordered_json row_json(const Statement& select) {
    nlohmann::ordered_json row;
    row["event_id"] = select.integer(0);
    row["created_at"] = select.text(1).value_or("");
    row["actor"] = select.text(2).value_or("");
    row["address"] = select.text(3).value_or("");
    row["action"] = select.text(4).value_or("");
    row["target"] = select.text(5).value_or("");
    row["detail"] = nlohmann::ordered_json::parse(select.text(6).value_or("{}"), nullptr, false);
    return row;
}

}  // namespace

AuditLog::AuditLog(const std::string& location) : db_(location) {
    migrate(db_, "audit_events", kMigrations);
}

void AuditLog::record(const AuditEvent& event) {
    const std::array<std::string, 6> fields = {
        utc_timestamp_now(), event.actor,
        event.address,       event.action,
        event.target,        event.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    take_turns(db_, "audit_events");  // the chain's last row is read and extended by one writer at a time
    Statement insert = db_.prepare(
        "INSERT INTO audit_events (created_at, actor, address, action, target, detail, sha256) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (int i = 0; i < 6; ++i) insert.bind(i + 1, std::string_view(fields[static_cast<size_t>(i)]));
    insert.bind(7, std::string_view(chained_hash(last_hash(db_), fields)));
    insert.step();
    transaction.commit();
}

std::vector<nlohmann::ordered_json> AuditLog::query(const AuditQuery& q) {
    std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_events WHERE 1 = 1";
    if (q.action) sql += " AND (action = ?1 OR action LIKE ?1 || '.%')";
    if (q.actor) sql += " AND actor = ?2";
    if (q.target) sql += " AND target = ?3";
    if (q.since) sql += " AND created_at >= ?4";
    if (q.until) sql += " AND created_at < ?5";
    if (q.before) sql += " AND id < ?6";
    sql += " ORDER BY id DESC LIMIT ?7";
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare(sql);
    if (q.action) select.bind(1, std::string_view(*q.action));
    if (q.actor) select.bind(2, std::string_view(*q.actor));
    if (q.target) select.bind(3, std::string_view(*q.target));
    if (q.since) select.bind(4, std::string_view(*q.since));
    if (q.until) select.bind(5, std::string_view(*q.until));
    if (q.before) select.bind(6, *q.before);
    select.bind(7, int64_t{q.limit});
    std::vector<nlohmann::ordered_json> rows;
    while (select.step()) rows.push_back(row_json(select));
    return rows;
}

AuditCheck AuditLog::verify() {
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare("SELECT " + std::string(kColumns) + " FROM audit_events ORDER BY id");
    AuditCheck check;
    std::string previous;
    while (select.step()) {
        ++check.events;
        std::array<std::string, 6> fields;
        for (int i = 0; i < 6; ++i) fields[static_cast<size_t>(i)] = select.text(i + 1).value_or("");
        const std::string stored = select.text(7).value_or("");
        if (stored != chained_hash(previous, fields)) {
            check.first_break = select.integer(0);
            return check;
        }
        previous = stored;
    }
    check.head = previous;
    return check;
}

std::string command_line_actor() {
    const char* user = std::getenv("USER");
    if (user == nullptr || *user == '\0') user = getlogin();
    return "cli:" + std::string(user != nullptr && *user != '\0' ? user : "unknown");
}

}  // namespace arbiter::storage
