#include "storage/run_store.h"

#include "storage/decision_log.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

// ORDER_COLUMN breaks ties of created_at on PostgreSQL (SQLite has its rowid).
constexpr std::string_view kRuns = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  ORDER_COLUMN
  created_at TIME_TEXT NOT NULL,
  created_by TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  spec TEXT NOT NULL,
  status TEXT NOT NULL,
  done INTEGER NOT NULL,
  total INTEGER NOT NULL,
  finished_at TEXT,
  error TEXT,
  results TEXT
);
CREATE INDEX IF NOT EXISTS runs_created ON runs (created_at);
)sql";

void create_runs(Database& db) {
    exec_schema(db, kRuns);
}

constexpr Migration kMigrations[] = {create_runs};

constexpr std::string_view kColumns =
    "id, created_at, created_by, policy_id, spec, status, done, total, finished_at, error";

nlohmann::ordered_json parse(const std::optional<std::string>& text) {
    return text ? nlohmann::ordered_json::parse(*text, nullptr, false) : nlohmann::ordered_json();
}

Run read_run(const Statement& s) {
    Run r;
    r.id = s.text(0).value_or("");
    r.created_at = s.text(1).value_or("");
    r.created_by = s.text(2).value_or("");
    r.policy_id = s.text(3).value_or("");
    r.spec = parse(s.text(4));
    r.status = s.text(5).value_or("");
    r.done = s.integer(6);
    r.total = s.integer(7);
    r.finished_at = s.text(8).value_or("");
    r.error = s.text(9).value_or("");
    return r;
}

std::optional<std::string> unless_empty(const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

}  // namespace

RunStore::RunStore(const std::string& location) : db_(location) {
    migrate(db_, "runs", kMigrations);
    Statement interrupted = db_.prepare(
        "UPDATE runs SET status = 'failed', error = 'the server stopped before the run finished', "
        "finished_at = ?1 WHERE status IN ('queued', 'running')");
    interrupted.bind(1, std::string_view(utc_timestamp_now()));
    interrupted.step();
}

void RunStore::add(const Run& run) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement insert = db_.prepare("INSERT INTO runs (" + std::string(kColumns) +
                                   ", results) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)");
    insert.bind(1, std::string_view(run.id))
        .bind(2, std::string_view(run.created_at.empty() ? utc_timestamp_now() : run.created_at))
        .bind(3, std::string_view(run.created_by))
        .bind(4, std::string_view(run.policy_id))
        .bind(5, std::string_view(run.spec.dump()))
        .bind(6, std::string_view(run.status))
        .bind(7, run.done)
        .bind(8, run.total)
        .bind(9, unless_empty(run.finished_at))
        .bind(10, unless_empty(run.error));
    insert.step();
}

void RunStore::update(const Run& run) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement update = db_.prepare(
        "UPDATE runs SET status = ?2, done = ?3, total = ?4, finished_at = ?5, error = ?6, results = ?7 "
        "WHERE id = ?1");
    update.bind(1, std::string_view(run.id))
        .bind(2, std::string_view(run.status))
        .bind(3, run.done)
        .bind(4, run.total)
        .bind(5, unless_empty(run.finished_at))
        .bind(6, unless_empty(run.error))
        .bind(7, run.results.is_null() ? std::nullopt
                                       : std::optional<std::string>(run.results.dump(
                                             -1, ' ', false, nlohmann::json::error_handler_t::replace)));
    update.step();
}

std::optional<Run> RunStore::get(const std::string& id) {
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare("SELECT " + std::string(kColumns) + ", results FROM runs WHERE id = ?1");
    select.bind(1, std::string_view(id));
    if (!select.step()) return std::nullopt;
    Run run = read_run(select);
    run.results = parse(select.text(10));
    return run;
}

std::vector<Run> RunStore::list(const std::optional<std::string>& policy_id, size_t limit) {
    std::lock_guard lock(mutex_);
    const std::string_view added = db_.engine() == Engine::postgres ? "seq" : "rowid";
    Statement select =
        db_.prepare("SELECT " + std::string(kColumns) +
                    " FROM runs WHERE CAST(?1 AS TEXT) IS NULL OR policy_id = ?1 ORDER BY created_at DESC, " +
                    std::string(added) + " DESC LIMIT ?2");
    select.bind(1, policy_id).bind(2, static_cast<int64_t>(limit));
    std::vector<Run> out;
    while (select.step()) out.push_back(read_run(select));
    return out;
}

}  // namespace arbiter::storage
