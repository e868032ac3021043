#include "storage/review_queue.h"

#include "storage/decision_log.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

constexpr std::string_view kRulesTable = R"sql(
CREATE TABLE IF NOT EXISTS queue_rules (
  policy_id TEXT PRIMARY KEY,
  band_min REAL_NUMBER,
  band_max REAL_NUMBER,
  flagged INTEGER NOT NULL,
  escalated INTEGER NOT NULL,
  sample_percent REAL_NUMBER NOT NULL,
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);
)sql";

void create_rules(Database& db) {
    exec_schema(db, kRulesTable);
}

constexpr Migration kMigrations[] = {create_rules};

// Each rule as a condition on decisions `d`, in the order QueuedDecision::why names them, in
// each engine's SQL. The sample hashes the id (Knuth's multiplicative hash) so that a share is
// spread over time and a decision stays in or out of it for good; PostgreSQL computes it in
// numeric, where SQLite's 64-bit product would overflow an error. ?3 .. ?7 are the band, the
// percent and the two switches.
struct Rule {
    std::string_view name, sqlite, postgres;
};
constexpr Rule kRules[] = {
    {"band", "(?3 IS NOT NULL AND d.probability BETWEEN ?3 AND ?4)",
     "(?3::double precision IS NOT NULL AND d.probability BETWEEN ?3 AND ?4)"},
    {"flagged", "(?6 = 1 AND d.violation = 1)", "(?6 = 1 AND d.violation = 1)"},
    {"escalated",
     "(?7 = 1 AND json_extract(d.verdict, '$.tier') = 'model' AND "
     "json_extract(d.verdict, '$.fast_probability') IS NOT NULL)",
     "(?7 = 1 AND d.verdict::jsonb ->> 'tier' = 'model' AND d.verdict::jsonb ->> 'fast_probability' IS NOT "
     "NULL)"},
    {"sample", "(((d.id * 2654435761) % 4294967296) % 10000 < ?5 * 100)",
     "((d.id::numeric * 2654435761 % 4294967296) % 10000 < ?5::double precision * 100)"},
};

std::string_view condition(const Rule& rule, Engine engine) {
    return engine == Engine::postgres ? rule.postgres : rule.sqlite;
}

// Decisions of policy ?1 that may be queued at all, and that match a rule.
std::string matching(Engine engine) {
    std::string any;
    for (const Rule& rule : kRules) any += (any.empty() ? "" : " OR ") + std::string(condition(rule, engine));
    return "FROM decisions d WHERE d.policy_id = ?1 AND d.shadow = 0 AND d.policy_source = 'stored' "
           "AND d.status = 'ok' AND d.content IS NOT NULL AND (" +
           any + ")";
}

void bind_rules(Statement& s, const QueueRules& r) {
    s.bind(1, std::string_view(r.policy_id));
    if (r.band_min && r.band_max) {
        s.bind(3, *r.band_min).bind(4, *r.band_max);
    } else {
        s.bind_null(3).bind_null(4);
    }
    s.bind(5, r.sample_percent).bind(6, int64_t{r.flagged ? 1 : 0}).bind(7, int64_t{r.escalated ? 1 : 0});
}

QueueRules read_rules(const Statement& s) {
    QueueRules r;
    r.policy_id = s.text(0).value_or("");
    r.band_min = s.real(1);
    r.band_max = s.real(2);
    r.flagged = s.integer(3) != 0;
    r.escalated = s.integer(4) != 0;
    r.sample_percent = s.real(5).value_or(0);
    r.updated_at = s.text(6).value_or("");
    r.updated_by = s.text(7).value_or("");
    return r;
}

constexpr std::string_view kRulesColumns =
    "policy_id, band_min, band_max, flagged, escalated, sample_percent, updated_at, updated_by";

}  // namespace

ReviewQueue::ReviewQueue(const std::string& location) : db_(location) {
    migrate(db_, "queue_rules", kMigrations);
}

std::vector<QueueRules> ReviewQueue::all_rules() {
    std::lock_guard lock(mutex_);
    Statement select =
        db_.prepare("SELECT " + std::string(kRulesColumns) + " FROM queue_rules ORDER BY policy_id");
    std::vector<QueueRules> all;
    while (select.step()) all.push_back(read_rules(select));
    return all;
}

std::optional<QueueRules> ReviewQueue::rules(const std::string& policy_id) {
    std::lock_guard lock(mutex_);
    Statement select =
        db_.prepare("SELECT " + std::string(kRulesColumns) + " FROM queue_rules WHERE policy_id = ?1");
    select.bind(1, std::string_view(policy_id));
    if (!select.step()) return std::nullopt;
    return read_rules(select);
}

void ReviewQueue::set_rules(const QueueRules& r) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement upsert =
        db_.prepare("INSERT INTO queue_rules (" + std::string(kRulesColumns) +
                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (policy_id) DO UPDATE SET "
                    "band_min = excluded.band_min, band_max = excluded.band_max, flagged = excluded.flagged, "
                    "escalated = excluded.escalated, sample_percent = excluded.sample_percent, "
                    "updated_at = excluded.updated_at, updated_by = excluded.updated_by");
    upsert.bind(1, std::string_view(r.policy_id));
    if (r.band_min && r.band_max) {
        upsert.bind(2, *r.band_min).bind(3, *r.band_max);
    } else {
        upsert.bind_null(2).bind_null(3);
    }
    upsert.bind(4, int64_t{r.flagged ? 1 : 0})
        .bind(5, int64_t{r.escalated ? 1 : 0})
        .bind(6, r.sample_percent)
        .bind(7, std::string_view(utc_timestamp_now()))
        .bind(8, std::string_view(r.updated_by));
    upsert.step();
}

std::vector<QueuedDecision> ReviewQueue::next(const std::string& policy_id, const std::string& reviewer,
                                              size_t limit, size_t* waiting) {
    const std::optional<QueueRules> found = rules(policy_id);
    *waiting = 0;
    if (!found) return {};
    // Two reviews settle an item unless they disagree: then a third breaks the tie.
    const std::string open =
        " AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.decision_id = d.id AND r.reviewer = ?2)"
        " AND (SELECT count(*) < 2 OR (count(*) < 3 AND min(r.violation) != max(r.violation))"
        "      FROM reviews r WHERE r.decision_id = d.id)";
    std::string why_columns;
    for (const Rule& rule : kRules) why_columns += ", " + std::string(condition(rule, db_.engine()));

    std::lock_guard lock(mutex_);
    Statement count = db_.prepare("SELECT count(*) " + matching(db_.engine()) + open);
    bind_rules(count, *found);
    count.bind(2, std::string_view(reviewer));
    if (count.step()) *waiting = static_cast<size_t>(count.integer(0));

    Statement select = db_.prepare("SELECT d.id" + why_columns + " " + matching(db_.engine()) + open +
                                   " ORDER BY d.id LIMIT ?8");
    bind_rules(select, *found);
    select.bind(2, std::string_view(reviewer)).bind(8, static_cast<int64_t>(limit));
    std::vector<QueuedDecision> out;
    while (select.step()) {
        QueuedDecision q{select.integer(0), {}};
        for (size_t i = 0; i < std::size(kRules); ++i) {
            if (select.integer(static_cast<int>(i) + 1) != 0) q.why.emplace_back(kRules[i].name);
        }
        out.push_back(std::move(q));
    }
    return out;
}

QueueSummary ReviewQueue::summary(const std::string& policy_id) {
    QueueSummary s;
    if (const std::optional<QueueRules> found = rules(policy_id)) {
        std::lock_guard lock(mutex_);
        Statement waiting =
            db_.prepare("SELECT count(*) " + matching(db_.engine()) +
                        " AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.decision_id = d.id)");
        bind_rules(waiting, *found);
        if (waiting.step()) s.waiting = static_cast<size_t>(waiting.integer(0));
    }
    std::lock_guard lock(mutex_);
    Statement reviewed = db_.prepare(
        "SELECT count(*), coalesce(sum(n), 0), count(*) FILTER (WHERE n >= 2), "
        "count(*) FILTER (WHERE n >= 2 AND lo != hi), count(*) FILTER (WHERE latest = model) FROM ("
        "  SELECT count(*) AS n, min(r.violation) AS lo, max(r.violation) AS hi,"
        "    (SELECT l.violation FROM reviews l WHERE l.decision_id = r.decision_id ORDER BY l.id DESC LIMIT "
        "1)"
        "      AS latest,"
        "    (SELECT d.violation FROM decisions d WHERE d.id = r.decision_id) AS model"
        "  FROM reviews r WHERE r.policy_id = ?1 AND r.decision_id IS NOT NULL GROUP BY r.decision_id"
        ") AS per_decision");
    reviewed.bind(1, std::string_view(policy_id));
    if (reviewed.step()) {
        s.reviewed = static_cast<size_t>(reviewed.integer(0));
        s.reviews = static_cast<size_t>(reviewed.integer(1));
        s.double_reviewed = static_cast<size_t>(reviewed.integer(2));
        s.disagreements = static_cast<size_t>(reviewed.integer(3));
        s.model_agreed = static_cast<size_t>(reviewed.integer(4));
    }
    return s;
}

}  // namespace arbiter::storage
