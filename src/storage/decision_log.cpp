#include "storage/decision_log.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <regex>

#include "core/content_json.h"
#include "core/json_input.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

// Version 1 (migrations.h's words). Content and verdict are kept as the exact text returned
// (PostgreSQL's jsonb would reorder keys). A SQLite log from before numbered migrations gains the
// columns added since it was made.
constexpr std::string_view kDecisions = R"sql(
CREATE TABLE IF NOT EXISTS decisions (
  id ID_COLUMN,
  created_at TIME_TEXT NOT NULL,
  request_id TEXT NOT NULL,
  item_id TEXT,
  policy_id TEXT NOT NULL,
  policy_version INTEGER NOT NULL,
  content_sha256 TEXT NOT NULL,
  content TEXT,
  mode TEXT NOT NULL,
  status TEXT NOT NULL,
  violation INTEGER,
  category TEXT,
  probability REAL_NUMBER,
  rationale TEXT,
  verdict TEXT NOT NULL,
  latency_ms REAL_NUMBER,
  policy_source TEXT,
  policy_sha256 TEXT,
  shadow INTEGER NOT NULL DEFAULT 0
);
)sql";

constexpr std::string_view kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS decisions_policy ON decisions(policy_id, created_at);
CREATE INDEX IF NOT EXISTS decisions_created ON decisions(created_at);
CREATE INDEX IF NOT EXISTS decisions_request ON decisions(request_id);
)sql";

// Added to SQLite logs before numbered migrations, with their types.
constexpr std::pair<std::string_view, std::string_view> kAddedColumns[] = {
    {"policy_source", "TEXT"},
    {"policy_sha256", "TEXT"},
    {"shadow", "INTEGER NOT NULL DEFAULT 0"},
};

void create_decisions(Database& db) {
    exec_schema(db, kDecisions);
    for (const auto& [column, type] : kAddedColumns) {
        if (!has_column(db, "decisions", column))
            db.exec("ALTER TABLE decisions ADD COLUMN " + std::string(column) + " " + std::string(type));
    }
    db.exec(kIndexes);
}

// Version 2: the W3C trace a decision was made in (empty: none), and when its content was erased
// (decision_erasure.cpp; NULL: never).
void add_trace_and_erasure(Database& db) {
    db.exec("ALTER TABLE decisions ADD COLUMN trace_id TEXT");
    db.exec("ALTER TABLE decisions ADD COLUMN erased_at TEXT");
    db.exec("CREATE INDEX IF NOT EXISTS decisions_content ON decisions(content_sha256)");
    db.exec("CREATE INDEX IF NOT EXISTS decisions_item ON decisions(item_id)");
    // What retention has still to erase, oldest first, without walking what it erased before.
    db.exec("CREATE INDEX IF NOT EXISTS decisions_unerased ON decisions(created_at) WHERE erased_at IS NULL");
}

constexpr Migration kMigrations[] = {create_decisions, add_trace_and_erasure};

// Rows whose content holds ?6 (a LIKE pattern) in one of its strings other than a role: the
// content's strings, not its JSON text, so that a search for "text" or a quote does not match the
// encoding. The content is always content_to_json's, so every string is an object's value.
constexpr std::string_view kSqliteTextMatch =
    " AND content IS NOT NULL AND json_valid(content) AND EXISTS (SELECT 1 FROM json_tree(content) "
    "WHERE type = 'text' AND key IS NOT 'role' AND value LIKE ?6 ESCAPE '\\')";
constexpr std::string_view kPostgresTextMatch =
    " AND content IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_path_query(content::jsonb, "
    "'strict $.** ? (@.type() == \"object\").keyvalue() ? (@.key != \"role\" && @.value.type() == "
    "\"string\")') AS kv WHERE kv ->> 'value' ILIKE ?6 ESCAPE '\\')";

// Who decided a verdict, from its JSON; NULL where it does not say (before the cascade).
std::string_view tier_of_verdict(Engine engine) {
    return engine == Engine::postgres
               ? "(verdict::jsonb ->> 'tier')"
               : "(CASE WHEN json_valid(verdict) THEN json_extract(verdict, '$.tier') END)";
}

// The columns query() and row() show, in the order row_json() reads them.
constexpr std::string_view kRowColumns[] = {
    "id",        "created_at",     "request_id", "item_id",       "content_sha256",
    "content",   "mode",           "verdict",    "policy_source", "policy_sha256",
    "policy_id", "policy_version", "shadow",     "trace_id",      "erased_at"};
constexpr int kRowWidth = static_cast<int>(std::size(kRowColumns));

// "p.id, p.created_at, ..." for the table named `prefix`.
std::string row_columns(std::string_view prefix) {
    std::string out;
    for (std::string_view column : kRowColumns)
        out += (out.empty() ? "" : ", ") + std::string(prefix) + "." + std::string(column);
    return out;
}

nlohmann::ordered_json row_json(const Statement& select, int first = 0) {
    const auto text = [&](int c) { return select.text(first + c); };
    nlohmann::ordered_json row;
    row["decision_id"] = select.integer(first);
    row["created_at"] = text(1).value_or("");
    row["request_id"] = text(2).value_or("");
    row["item_id"] = text(3).value_or("");
    row["policy_id"] = text(10).value_or("");
    row["policy_version"] = select.integer(first + 11);
    row["content_sha256"] = text(4).value_or("");
    const std::optional<std::string> content = text(5);
    row["content"] =
        content ? nlohmann::ordered_json::parse(*content, nullptr, false) : nlohmann::ordered_json(nullptr);
    row["mode"] = text(6).value_or("");
    row["verdict"] = nlohmann::ordered_json::parse(text(7).value_or("null"), nullptr, false);
    row["policy_source"] = text(8) ? nlohmann::ordered_json(*text(8)) : nullptr;
    row["policy_sha256"] = text(9) ? nlohmann::ordered_json(*text(9)) : nullptr;
    row["shadow"] = select.integer(first + 12) != 0;
    row["trace_id"] = text(13) ? nlohmann::ordered_json(*text(13)) : nullptr;
    row["erased_at"] = text(14) ? nlohmann::ordered_json(*text(14)) : nullptr;
    return row;
}

std::string dump(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The model's own words as a person reads them, and as either engine stores text: invalid UTF-8
// as U+FFFD (as the verdict's JSON has it), and NUL, which PostgreSQL's text cannot hold, likewise.
std::string readable_text(std::string_view model_text) {
    std::string text = valid_utf8(model_text);
    for (size_t at = text.find('\0'); at != std::string::npos; at = text.find('\0', at))
        text.replace(at, 1, "\xEF\xBF\xBD");
    return text;
}

// A LIKE pattern matching `text` anywhere, its own wildcards (and the escape) taken literally.
std::string like_pattern(std::string_view text) {
    std::string out = "%";
    for (const char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out + "%";
}

// The columns of one decision's row, in the order bind_decision binds them.
constexpr std::string_view kDecisionColumns =
    "created_at, request_id, item_id, policy_id, policy_version, content_sha256, content, mode, status, "
    "violation, category, probability, rationale, verdict, latency_ms, policy_source, policy_sha256, shadow, "
    "trace_id";
constexpr int kColumnsPerRow = 19;
// Rows per INSERT: well under both engines' limits on a statement's parameters (SQLite 32766,
// PostgreSQL 65535).
constexpr size_t kRowsPerInsert = 256;

// INSERT of `rows` decisions, their parameters numbered row after row.
std::string insert_sql(size_t rows) {
    std::string sql = "INSERT INTO decisions (" + std::string(kDecisionColumns) + ") VALUES ";
    for (size_t r = 0; r < rows; ++r) {
        sql += r == 0 ? "(" : ", (";
        for (int c = 1; c <= kColumnsPerRow; ++c)
            sql += (c == 1 ? "?" : ", ?") + std::to_string(static_cast<int>(r) * kColumnsPerRow + c);
        sql += ")";
    }
    return sql;
}

// Binds one decision to parameters `at` to `at` + kColumnsPerRow - 1 of the log's INSERT.
void bind_decision(Statement& insert, int at, const Decision& d, const std::string& now, bool store_content) {
    const Verdict& v = d.verdict;
    insert.bind(at, std::string_view(now))
        .bind(at + 1, std::string_view(d.request_id))
        .bind(at + 2, std::string_view(d.item_id))
        .bind(at + 3, std::string_view(v.policy_id))
        .bind(at + 4, int64_t{v.policy_version})
        .bind(at + 5, std::string_view(d.content_sha256))
        .bind(at + 6,
              store_content && d.store_content ? std::optional<std::string>(d.content_json) : std::nullopt)
        .bind(at + 7, std::string_view(d.mode))
        .bind(at + 8, to_string(v.status));
    if (v.violation)
        insert.bind(at + 9, int64_t{*v.violation ? 1 : 0});
    else
        insert.bind_null(at + 9);
    insert.bind(at + 10, v.category ? std::optional<std::string>(readable_text(*v.category)) : std::nullopt);
    if (v.probability)
        insert.bind(at + 11, *v.probability);
    else
        insert.bind_null(at + 11);
    insert
        .bind(at + 12,
              std::string_view(readable_text(v.rationale.empty() ? v.answer_rationale : v.rationale)))
        .bind(at + 13, std::string_view(dump(d.verdict_json)))
        .bind(at + 14, v.latency_ms)
        .bind(at + 15, std::string_view(d.inline_policy ? "inline" : "stored"))
        .bind(at + 16, std::string_view(d.policy_sha256))
        .bind(at + 17, int64_t{d.shadow ? 1 : 0})
        .bind(at + 18, d.trace_id.empty() ? std::nullopt : std::optional<std::string>(d.trace_id));
}

}  // namespace

std::string utc_timestamp_now() {
    return utc_timestamp(std::chrono::system_clock::now());
}

std::string utc_timestamp(std::chrono::system_clock::time_point now) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[32];
    const size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
    std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(ms));
    return buffer;
}

std::optional<std::string> canonical_utc_timestamp(std::string_view text) {
    static const std::regex pattern(
        R"((\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z?)?)");
    std::match_results<std::string_view::const_iterator> m;
    if (!std::regex_match(text.begin(), text.end(), m, pattern)) return std::nullopt;
    const auto number = [&](size_t group) { return m[group].matched ? std::stoi(m[group].str()) : 0; };
    const std::chrono::year_month_day day{std::chrono::year(number(1)),
                                          std::chrono::month(static_cast<unsigned>(number(2))),
                                          std::chrono::day(static_cast<unsigned>(number(3)))};
    if (!day.ok() || number(4) > 23 || number(5) > 59 || number(6) > 59) return std::nullopt;
    std::string fraction = m[7].matched ? m[7].str() : "";
    fraction.resize(3, '0');
    char out[32];
    std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%sZ", number(1), number(2), number(3),
                  number(4), number(5), number(6), fraction.c_str());
    return std::string(out);
}

DecisionLog::DecisionLog(const std::string& location, bool store_content)
    : db_(location), store_content_(store_content) {
    migrate(db_, "decisions", kMigrations);
    if (db_.engine() == Engine::postgres) watch_.emplace(db_, mutex_);
}

DecisionLog::~DecisionLog() = default;

Engine DecisionLog::engine() const {
    return db_.engine();
}

bool DecisionLog::healthy() {
    // PostgreSQL's answer is the watch's, never a wait on the network here (the caller may be the
    // transport's loop); a SQLite file is checked at once.
    if (watch_) return watch_->writable();
    std::lock_guard lock(mutex_);
    return !last_write_failed_ && db_.usable();
}

void DecisionLog::record(const std::vector<Decision>& decisions) {
    Pending mine{&decisions, false, nullptr};
    std::unique_lock lock(pending_mutex_);
    pending_.push_back(&mine);
    // One caller at a time commits, for every request waiting then; the others wait for it.
    committed_.wait(lock, [&] { return mine.done || !committing_; });
    if (!mine.done) {
        committing_ = true;
        std::vector<Pending*> batch;
        batch.swap(pending_);
        lock.unlock();
        {
            std::lock_guard connection(mutex_);
            commit(batch);
        }
        lock.lock();
        for (Pending* p : batch) p->done = true;
        committing_ = false;
        committed_.notify_all();
    }
    if (mine.error) std::rethrow_exception(mine.error);
}

void DecisionLog::commit(const std::vector<Pending*>& batch) {
    const auto attempt = [this](const std::vector<Pending*>& together) {
        std::vector<const std::vector<Decision>*> requests;
        requests.reserve(together.size());
        for (const Pending* p : together) requests.push_back(p->decisions);
        last_write_failed_ = true;  // until the commit succeeds
        try {
            write(requests);
            last_write_failed_ = false;
            return std::exception_ptr();
        } catch (const StoreError&) {
            if (watch_) watch_->write_failed();
            return std::current_exception();
        } catch (...) {
            // Whatever else fails (memory) is its callers' to hear: the committer must not leave
            // the others waiting for a commit that never comes.
            return std::current_exception();
        }
    };
    std::exception_ptr error = attempt(batch);
    if (error && batch.size() > 1) {
        for (Pending* p : batch) p->error = attempt({p});
    } else {
        for (Pending* p : batch) p->error = error;
    }
}

void DecisionLog::write(const std::vector<const std::vector<Decision>*>& requests) {
    std::vector<const Decision*> rows;
    for (const std::vector<Decision>* decisions : requests)
        for (const Decision& d : *decisions) rows.push_back(&d);
    if (rows.empty()) return;
    const std::string now = utc_timestamp_now();
    db_.ensure_usable();
    // One statement is a transaction of its own: a commit of a few requests' rows takes one round
    // trip to PostgreSQL. Rows beyond one statement share a transaction.
    std::optional<Database::Transaction> transaction;
    if (rows.size() > kRowsPerInsert) transaction.emplace(db_);
    for (size_t first = 0; first < rows.size(); first += kRowsPerInsert) {
        const size_t n = std::min(kRowsPerInsert, rows.size() - first);
        Statement insert = db_.prepare(insert_sql(n));
        for (size_t r = 0; r < n; ++r)
            bind_decision(insert, static_cast<int>(r) * kColumnsPerRow + 1, *rows[first + r], now,
                          store_content_);
        insert.step();
    }
    if (transaction) transaction->commit();
}

std::vector<nlohmann::ordered_json> DecisionLog::query(const DecisionQuery& q) {
    std::string sql = "SELECT " + row_columns("decisions") + " FROM decisions WHERE shadow = 0";
    if (q.policy) sql += " AND policy_id = ?1";
    if (q.version) sql += " AND policy_version = ?2";
    if (q.violation) sql += " AND violation = ?3";
    if (q.since) sql += " AND created_at >= ?4";
    if (q.until) sql += " AND created_at < ?5";
    if (q.text) sql += db_.engine() == Engine::postgres ? kPostgresTextMatch : kSqliteTextMatch;
    if (q.before) sql += " AND id < ?7";
    sql += " ORDER BY id DESC LIMIT ?8";

    std::lock_guard lock(mutex_);
    Statement select = db_.prepare(sql);
    if (q.policy) select.bind(1, std::string_view(*q.policy));
    if (q.version) select.bind(2, int64_t{*q.version});
    if (q.violation) select.bind(3, int64_t{*q.violation ? 1 : 0});
    if (q.since) select.bind(4, std::string_view(*q.since));
    if (q.until) select.bind(5, std::string_view(*q.until));
    if (q.text) select.bind(6, std::string_view(like_pattern(*q.text)));
    if (q.before) select.bind(7, *q.before);
    select.bind(8, int64_t{q.limit});

    std::vector<nlohmann::ordered_json> rows;
    while (select.step()) rows.push_back(row_json(select));
    return rows;
}

std::optional<nlohmann::ordered_json> DecisionLog::row(int64_t id) {
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare("SELECT " + row_columns("decisions") + " FROM decisions WHERE id = ?1");
    select.bind(1, id);
    if (!select.step()) return std::nullopt;
    return row_json(select);
}

ShadowComparison DecisionLog::compare_shadow(const std::string& policy_id, int shadow_version,
                                             const std::string& since, size_t limit) {
    // A shadow verdict is logged after its live one, with the same request, item and policy.
    const std::string pairs =
        " FROM decisions s JOIN decisions l ON l.request_id = s.request_id "
        "AND l.item_id IS NOT DISTINCT FROM s.item_id AND l.policy_id = s.policy_id AND l.shadow = 0 "
        "WHERE s.shadow = 1 AND s.policy_id = ?1 AND s.policy_version = ?2 AND s.created_at >= ?3 "
        "AND s.status = 'ok' AND l.status = 'ok' AND s.violation IS NOT NULL AND l.violation IS NOT NULL";
    std::lock_guard lock(mutex_);
    ShadowComparison out;
    Statement count =
        db_.prepare("SELECT count(*), count(*) FILTER (WHERE s.violation = l.violation)" + pairs);
    count.bind(1, std::string_view(policy_id))
        .bind(2, int64_t{shadow_version})
        .bind(3, std::string_view(since));
    if (count.step()) {
        out.pairs = static_cast<size_t>(count.integer(0));
        out.agree = static_cast<size_t>(count.integer(1));
    }
    Statement differing = db_.prepare("SELECT " + row_columns("l") + ", " + row_columns("s") + pairs +
                                      " AND s.violation != l.violation ORDER BY s.id DESC LIMIT ?4");
    differing.bind(1, std::string_view(policy_id))
        .bind(2, int64_t{shadow_version})
        .bind(3, std::string_view(since))
        .bind(4, static_cast<int64_t>(limit));
    while (differing.step())
        out.differing.push_back({{"live", row_json(differing)}, {"shadow", row_json(differing, kRowWidth)}});
    return out;
}

namespace {

// The log at `location`, opened to read; throws StoreError unless it is a decision log that
// records which policy text judged each verdict.
Database open_to_read(const std::string& location) {
    if (!is_postgres_url(location)) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(location, ec)) throw StoreError(location + ": no such file");
    }
    Database db(location, Database::Access::read_only);
    bool has = false;
    try {
        has = has_column(db, "decisions", "policy_sha256");
    } catch (const StoreError& e) {
        throw StoreError(location + ": not an arbiter decision log (" + e.what() + ")");
    }
    if (!has)
        throw StoreError(location +
                         ": not an arbiter decision log, or one written before arbiter recorded which policy "
                         "text judged each verdict (those cannot be told from inline policies' verdicts)");
    return db;
}

}  // namespace

ModelVerdicts DecisionLog::model_verdicts(const std::string& location, const Policy& policy) {
    Database db = open_to_read(location);
    // The verdict JSON's "tier" says who decided; the fast tier must not learn its own guesses back.
    Statement select = db.prepare(
        "SELECT content, violation FROM decisions WHERE policy_id = ?1 AND policy_source = 'stored' "
        "AND policy_sha256 = ?2 AND status = 'ok' AND content IS NOT NULL AND violation IS NOT NULL "
        "AND coalesce(" +
        std::string(tier_of_verdict(db.engine())) + ", 'model') = 'model' ORDER BY id");
    select.bind(1, std::string_view(policy.id)).bind(2, std::string_view(sha256_hex(policy.text)));
    ModelVerdicts out;
    while (select.step()) {
        std::string error;
        const std::optional<nlohmann::json> j = parse_json(select.text(0).value_or(""), error);
        try {
            if (!j) throw ContentError(error);
            out.verdicts.push_back({content_from_json(*j), select.integer(1) != 0});
        } catch (const ContentError&) {
            ++out.skipped;
        }
    }
    return out;
}

}  // namespace arbiter::storage
