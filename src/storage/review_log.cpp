#include "storage/review_log.h"

#include "storage/decision_log.h"

namespace arbiter::storage {

namespace {

constexpr std::string_view kSchema = R"(
CREATE TABLE IF NOT EXISTS reviews (
  id INTEGER PRIMARY KEY,
  created_at TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  policy_version INTEGER NOT NULL,
  content TEXT NOT NULL,
  content_sha256 TEXT NOT NULL,
  violation INTEGER NOT NULL,
  score REAL,
  reviewer TEXT NOT NULL,
  source TEXT NOT NULL,
  note TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_policy ON reviews (policy_id, id);
)";

}  // namespace

ReviewLog::ReviewLog(const std::filesystem::path& path) : db_(path) {
    db_.exec(kSchema);
}

int64_t ReviewLog::add(const Review& r) {
    const std::lock_guard lock(mutex_);
    db_.ensure_file();
    Statement insert = db_.prepare(
        "INSERT INTO reviews (created_at, policy_id, policy_version, content, content_sha256, violation, "
        "score, "
        "reviewer, source, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id");
    insert.bind(1, std::string_view(r.created_at.empty() ? utc_timestamp_now() : r.created_at))
        .bind(2, std::string_view(r.policy_id))
        .bind(3, int64_t{r.policy_version})
        .bind(4, std::string_view(r.content_json))
        .bind(5, std::string_view(r.content_sha256))
        .bind(6, int64_t{r.violation ? 1 : 0});
    if (r.score)
        insert.bind(7, *r.score);
    else
        insert.bind_null(7);
    insert.bind(8, std::string_view(r.reviewer))
        .bind(9, std::string_view(r.source))
        .bind(10, std::string_view(r.note));
    if (!insert.step()) throw SqliteError("the review was not stored");
    return insert.integer(0);
}

std::vector<Review> ReviewLog::of_policy(const std::string& policy_id) {
    const std::lock_guard lock(mutex_);
    Statement query = db_.prepare(
        "SELECT id, created_at, policy_id, policy_version, content, content_sha256, violation, score, "
        "reviewer, "
        "source, note FROM reviews WHERE policy_id = ?1 ORDER BY id");
    query.bind(1, std::string_view(policy_id));
    std::vector<Review> out;
    while (query.step()) {
        Review r;
        r.id = query.integer(0);
        r.created_at = query.text(1).value_or("");
        r.policy_id = query.text(2).value_or("");
        r.policy_version = static_cast<int>(query.integer(3));
        r.content_json = query.text(4).value_or("");
        r.content_sha256 = query.text(5).value_or("");
        r.violation = query.integer(6) != 0;
        r.score = query.real(7);
        r.reviewer = query.text(8).value_or("");
        r.source = query.text(9).value_or("");
        r.note = query.text(10).value_or("");
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace arbiter::storage
