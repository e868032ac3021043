#include "storage/review_log.h"

#include <algorithm>
#include <map>
#include <set>

#include "storage/decision_log.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

constexpr std::string_view kReviews = R"sql(
CREATE TABLE IF NOT EXISTS reviews (
  id ID_COLUMN,
  created_at TIME_TEXT NOT NULL,
  policy_id TEXT NOT NULL,
  policy_version INTEGER NOT NULL,
  content TEXT NOT NULL,
  content_sha256 TEXT NOT NULL,
  violation INTEGER NOT NULL,
  score REAL_NUMBER,
  reviewer TEXT NOT NULL,
  source TEXT NOT NULL,
  note TEXT NOT NULL,
  decision_id BIGINT
);
)sql";

// Version 1; a SQLite file from before numbered migrations may lack decision_id (NULL: a review
// of no logged decision).
void create_reviews(Database& db) {
    exec_schema(db, kReviews);
    if (!has_column(db, "reviews", "decision_id"))
        db.exec("ALTER TABLE reviews ADD COLUMN decision_id INTEGER");
    db.exec("CREATE INDEX IF NOT EXISTS reviews_policy ON reviews (policy_id, id)");
    db.exec("CREATE INDEX IF NOT EXISTS reviews_decision ON reviews (decision_id)");
}

// Version 2: erasure finds a content's reviews by its hash (service/content_erasure.h).
void index_content(Database& db) {
    db.exec("CREATE INDEX IF NOT EXISTS reviews_content ON reviews (content_sha256)");
}

constexpr Migration kMigrations[] = {create_reviews, index_content};

}  // namespace

ReviewLog::ReviewLog(const std::string& location) : db_(location) {
    migrate(db_, "reviews", kMigrations);
}

int64_t ReviewLog::add(const Review& r) {
    const std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement insert = db_.prepare(
        "INSERT INTO reviews (created_at, policy_id, policy_version, content, content_sha256, violation, "
        "score, reviewer, source, note, decision_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
        "RETURNING id");
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
    if (r.decision_id)
        insert.bind(11, *r.decision_id);
    else
        insert.bind_null(11);
    if (!insert.step()) throw StoreError("the review was not stored");
    return insert.integer(0);
}

std::vector<Review> ReviewLog::of_policy(const std::string& policy_id) {
    return select("policy_id = ?1", [&](Statement& q) { q.bind(1, std::string_view(policy_id)); });
}

std::vector<Review> ReviewLog::of_decision(int64_t decision_id) {
    return select("decision_id = ?1", [&](Statement& q) { q.bind(1, decision_id); });
}

std::vector<Review> ReviewLog::select(std::string_view where, const std::function<void(Statement&)>& bind) {
    const std::lock_guard lock(mutex_);
    Statement query = db_.prepare(
        "SELECT id, created_at, policy_id, policy_version, content, content_sha256, violation, score, "
        "reviewer, source, note, decision_id FROM reviews WHERE " +
        std::string(where) + " ORDER BY id");
    bind(query);
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
        if (!query.is_null(11)) r.decision_id = query.integer(11);
        out.push_back(std::move(r));
    }
    return out;
}

std::string labelled_item_id(const Review& first) {
    return first.decision_id ? "decision-" + std::to_string(*first.decision_id)
                             : "review-" + std::to_string(first.id);
}

std::vector<LabelledItem> labelled_set(const std::vector<Review>& reviews) {
    std::vector<LabelledItem> items;
    std::map<std::string, size_t> index;                 // content hash -> item
    std::vector<std::map<std::string, bool>> by_person;  // per item: each reviewer's latest label
    std::vector<bool> latest;                            // per item: the latest review's label
    for (const Review& r : reviews) {
        if (!is_label(r) || r.content_json == kErasedContent) continue;
        const auto [at, added] = index.try_emplace(r.content_sha256, items.size());
        if (added) {
            items.emplace_back().first = &r;
            by_person.emplace_back();
            latest.push_back(false);
        }
        LabelledItem& item = items[at->second];
        by_person[at->second][r.reviewer] = r.violation;
        latest[at->second] = r.violation;
        if (std::find(item.reviewers.begin(), item.reviewers.end(), r.reviewer) == item.reviewers.end())
            item.reviewers.push_back(r.reviewer);
    }
    for (size_t i = 0; i < items.size(); ++i) {
        int votes = 0;  // violations minus safes, one vote a reviewer
        for (const auto& [reviewer, violation] : by_person[i]) votes += violation ? 1 : -1;
        items[i].reviews = by_person[i].size();
        items[i].tie = votes == 0;
        items[i].violation = items[i].tie ? latest[i] : votes > 0;
    }
    return items;
}

ErasedReviews ReviewLog::erase(const std::vector<int64_t>& decisions,
                               const std::vector<std::string>& hashes) {
    const std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    ErasedReviews erased;
    std::set<int64_t> seen;
    const auto run = [&](std::string_view where, const auto& value) {
        Statement update = db_.prepare("UPDATE reviews SET content = ?2, note = '' WHERE " +
                                       std::string(where) + " = ?1 AND content <> ?2 RETURNING id");
        update.bind(1, value).bind(2, kErasedContent);
        while (update.step()) ++erased.newly_erased;
        // Those erased before too: a run may still show them.
        Statement select = db_.prepare("SELECT id FROM reviews WHERE " + std::string(where) + " = ?1");
        select.bind(1, value);
        while (select.step())
            if (seen.insert(select.integer(0)).second) erased.ids.push_back(select.integer(0));
    };
    for (const int64_t id : decisions) run("decision_id", id);
    for (const std::string& hash : hashes) run("content_sha256", std::string_view(hash));
    transaction.commit();
    return erased;
}

}  // namespace arbiter::storage
