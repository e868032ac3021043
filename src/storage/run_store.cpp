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

// The queue's columns (runs were one instance's before). Runs left unfinished by an arbiter from
// before leases have no holder that could renew them: they fail, as that arbiter would have.
void add_leases(Database& db) {
    db.exec(
        "ALTER TABLE runs ADD COLUMN claimed_by TEXT;"
        "ALTER TABLE runs ADD COLUMN lease_until BIGINT;"
        "ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX IF NOT EXISTS runs_status ON runs (status);");
    Statement interrupted = db.prepare(
        "UPDATE runs SET status = 'failed', error = 'the server stopped before the run finished', "
        "finished_at = ?1 WHERE status IN ('queued', 'running')");
    interrupted.bind(1, std::string_view(utc_timestamp_now()));
    interrupted.step();
}

constexpr Migration kMigrations[] = {create_runs, add_leases};

constexpr std::string_view kColumns =
    "id, created_at, created_by, policy_id, spec, status, done, total, finished_at, error, claimed_by";

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
    r.claimed_by = s.text(10).value_or("");
    return r;
}

std::optional<std::string> unless_empty(const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A run that may be claimed: queued, or running under a lease that ran out. ?1 is now.
constexpr std::string_view kClaimable =
    "(status = 'queued' OR (status = 'running' AND lease_until < ?1)) AND cancel_requested = 0";

}  // namespace

RunStore::RunStore(const std::string& location) : db_(location) {
    migrate(db_, "runs", kMigrations);
}

void RunStore::add(const Run& run) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement insert = db_.prepare(
        "INSERT INTO runs (id, created_at, created_by, policy_id, spec, status, done, total) "
        "VALUES (?1, ?2, ?3, ?4, ?5, 'queued', 0, 0)");
    insert.bind(1, std::string_view(run.id))
        .bind(2, std::string_view(run.created_at.empty() ? utc_timestamp_now() : run.created_at))
        .bind(3, std::string_view(run.created_by))
        .bind(4, std::string_view(run.policy_id))
        .bind(5, std::string_view(run.spec.dump()));
    insert.step();
}

std::optional<Run> RunStore::get(const std::string& id) {
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare("SELECT " + std::string(kColumns) + ", results FROM runs WHERE id = ?1");
    select.bind(1, std::string_view(id));
    if (!select.step()) return std::nullopt;
    Run run = read_run(select);
    run.results = parse(select.text(11));
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

QueuedRuns RunStore::queued(const std::string& created_by) {
    std::lock_guard lock(mutex_);
    Statement count = db_.prepare(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_by = ?1 THEN 1 ELSE 0 END), 0) FROM runs "
        "WHERE status = 'queued'");
    count.bind(1, std::string_view(created_by));
    count.step();
    return {static_cast<size_t>(count.integer(0)), static_cast<size_t>(count.integer(1))};
}

bool RunStore::claimable(int64_t now) {
    // Its own statement, finished before any write: on SQLite a read left open would turn the
    // write that follows into a lock conflict with other instances.
    Statement any = db_.prepare(
        "SELECT 1 FROM runs WHERE status = 'queued' OR (status = 'running' AND lease_until < ?1) LIMIT 1");
    any.bind(1, now);
    return any.step();
}

void RunStore::end_abandoned(int64_t now) {
    Statement end = db_.prepare(
        "UPDATE runs SET status = CASE WHEN cancel_requested = 1 THEN 'cancelled' ELSE 'failed' END, "
        "error = CASE WHEN cancel_requested = 1 THEN NULL ELSE ?3 END, finished_at = ?2, lease_until = NULL "
        "WHERE status = 'running' AND lease_until < ?1 AND (cancel_requested = 1 OR attempts >= ?4)");
    end.bind(1, now)
        .bind(2, std::string_view(utc_timestamp_now()))
        .bind(3, std::string_view("the instances running it stopped " + std::to_string(kMaxAttempts) +
                                  " times before it finished"))
        .bind(4, int64_t{kMaxAttempts});
    end.step();
}

std::optional<Run> RunStore::claim(const std::string& instance, std::chrono::milliseconds lease) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    const int64_t now = now_ms();
    if (!claimable(now)) return std::nullopt;
    end_abandoned(now);
    // SKIP LOCKED: instances claiming at once each get another run, none waits on another's.
    const bool postgres = db_.engine() == Engine::postgres;
    Statement take = db_.prepare(
        "UPDATE runs SET status = 'running', claimed_by = ?2, lease_until = ?3, attempts = attempts + 1, "
        "done = 0, total = 0 WHERE id = (SELECT id FROM runs WHERE " +
        std::string(kClaimable) + " ORDER BY created_at, " + (postgres ? "seq" : "rowid") + " LIMIT 1" +
        (postgres ? " FOR UPDATE SKIP LOCKED" : "") + ") RETURNING " + std::string(kColumns));
    take.bind(1, now).bind(2, std::string_view(instance)).bind(3, now + lease.count());
    if (!take.step()) return std::nullopt;
    return read_run(take);
}

Lease RunStore::renew(const Run& run, const std::string& instance, std::chrono::milliseconds lease) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement renew = db_.prepare(
        "UPDATE runs SET done = ?3, total = ?4, lease_until = ?5 WHERE id = ?1 AND claimed_by = ?2 AND "
        "status = 'running' RETURNING cancel_requested");
    renew.bind(1, std::string_view(run.id))
        .bind(2, std::string_view(instance))
        .bind(3, run.done)
        .bind(4, run.total)
        .bind(5, now_ms() + lease.count());
    if (!renew.step()) return {};
    return {true, renew.integer(0) != 0};
}

bool RunStore::finish(const Run& run, const std::string& instance) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement finish = db_.prepare(
        "UPDATE runs SET status = ?3, done = ?4, total = ?5, finished_at = ?6, error = ?7, results = ?8, "
        "lease_until = NULL WHERE id = ?1 AND claimed_by = ?2 AND status = 'running' RETURNING id");
    finish.bind(1, std::string_view(run.id))
        .bind(2, std::string_view(instance))
        .bind(3, std::string_view(run.status))
        .bind(4, run.done)
        .bind(5, run.total)
        .bind(6, std::string_view(utc_timestamp_now()))
        .bind(7, unless_empty(run.error))
        .bind(8, run.results.is_null() ? std::nullopt
                                       : std::optional<std::string>(run.results.dump(
                                             -1, ' ', false, nlohmann::json::error_handler_t::replace)));
    return finish.step();
}

void RunStore::release(const std::string& id, const std::string& instance) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement release = db_.prepare(
        "UPDATE runs SET status = 'queued', claimed_by = NULL, lease_until = NULL, done = 0, total = 0, "
        "attempts = attempts - 1 WHERE id = ?1 AND claimed_by = ?2 AND status = 'running'");
    release.bind(1, std::string_view(id)).bind(2, std::string_view(instance));
    release.step();
}

Cancelled RunStore::cancel(const std::string& id) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement now = db_.prepare(
        "UPDATE runs SET status = 'cancelled', finished_at = ?3, lease_until = NULL WHERE id = ?1 AND "
        "(status = 'queued' OR (status = 'running' AND lease_until < ?2)) RETURNING id");
    now.bind(1, std::string_view(id)).bind(2, now_ms()).bind(3, std::string_view(utc_timestamp_now()));
    if (now.step()) return Cancelled::now;
    Statement requested =
        db_.prepare("UPDATE runs SET cancel_requested = 1 WHERE id = ?1 AND status = 'running' RETURNING id");
    requested.bind(1, std::string_view(id));
    if (requested.step()) return Cancelled::requested;
    Statement exists = db_.prepare("SELECT 1 FROM runs WHERE id = ?1");
    exists.bind(1, std::string_view(id));
    return exists.step() ? Cancelled::finished : Cancelled::unknown;
}

namespace {

// Nulls the content of every object in `j` whose id `item_ids` names; whether any changed.
bool erase_items_in(nlohmann::ordered_json& j, const std::set<std::string>& item_ids) {
    bool changed = false;
    if (j.is_object()) {
        const auto id = j.find("id");
        const auto content = j.find("content");
        if (id != j.end() && id->is_string() && item_ids.contains(id->get<std::string>()) &&
            content != j.end() && !content->is_null()) {
            *content = nullptr;
            changed = true;
        }
    }
    if (j.is_structured())
        for (auto& child : j) changed = erase_items_in(child, item_ids) || changed;
    return changed;
}

}  // namespace

size_t RunStore::erase_items(const std::set<std::string>& item_ids) {
    if (item_ids.empty()) return 0;
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    Statement select = db_.prepare("SELECT id, results FROM runs WHERE results IS NOT NULL");
    std::vector<std::pair<std::string, std::string>> changed;
    while (select.step()) {
        nlohmann::ordered_json results =
            nlohmann::ordered_json::parse(select.text(1).value_or(""), nullptr, false);
        if (erase_items_in(results, item_ids))
            changed.emplace_back(select.text(0).value_or(""),
                                 results.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
    select.reset();
    Statement update = db_.prepare("UPDATE runs SET results = ?2 WHERE id = ?1");
    for (const auto& [id, results] : changed) {
        update.bind(1, std::string_view(id)).bind(2, std::string_view(results));
        update.step();
        update.reset();
    }
    transaction.commit();
    return changed.size();
}

}  // namespace arbiter::storage
