// DecisionLog's erasure and retention (decision_log.h): content erased on request or after a
// while, rows deleted after longer, and the space given back.

#include <chrono>
#include <set>
#include <thread>

#include "storage/decision_log.h"

namespace arbiter::storage {

namespace {

constexpr size_t kErasureBatch = 500;
constexpr int kPagesPerVacuum = 2000;
constexpr std::chrono::milliseconds kVacuumPause{20};

// " AND policy_id = ?n" or " AND policy_id NOT IN (?n, ...)", its values appended to `values`.
std::string scope_sql(const PolicyScope& scope, std::vector<std::string>& values) {
    const auto next = [&values](const std::string& value) {
        values.push_back(value);
        std::string parameter = "?";  // appended, not "?" + ...: GCC 12 warns wrongly on that (-Wrestrict)
        parameter += std::to_string(values.size());
        return parameter;
    };
    if (scope.only) return " AND policy_id = " + next(*scope.only);
    if (scope.except.empty()) return "";
    std::string sql = " AND policy_id NOT IN (";
    for (size_t i = 0; i < scope.except.size(); ++i) {
        if (i > 0) sql += ", ";
        sql += next(scope.except[i]);
    }
    return sql + ")";
}

// The verdict's JSON without the model's own words, which may quote the content.
std::string without_model_words(const std::string& verdict) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(verdict, nullptr, false);
    if (!j.is_object()) return verdict;
    if (j.contains("rationale")) j["rationale"] = nullptr;
    j.erase("raw_answer");
    j["content_erased"] = true;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

ErasedDecisions DecisionLog::erase_rows(const std::string& where, const std::vector<std::string>& values,
                                        size_t batch) {
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    Statement select =
        db_.prepare("SELECT id, content_sha256, verdict FROM decisions WHERE erased_at IS NULL" + where +
                    " ORDER BY created_at LIMIT " + std::to_string(batch));
    for (size_t i = 0; i < values.size(); ++i)
        select.bind(static_cast<int>(i) + 1, std::string_view(values[i]));
    struct Row {
        int64_t id;
        std::string hash, verdict;
    };
    std::vector<Row> rows;
    while (select.step())
        rows.push_back({select.integer(0), select.text(1).value_or(""), select.text(2).value_or("null")});
    select.reset();
    Statement update = db_.prepare(
        "UPDATE decisions SET content = NULL, rationale = NULL, verdict = ?2, erased_at = ?3 WHERE id = ?1");
    const std::string now = utc_timestamp_now();
    ErasedDecisions erased;
    erased.newly_erased = rows.size();
    std::set<std::string> hashes;
    for (const Row& row : rows) {
        update.bind(1, row.id)
            .bind(2, std::string_view(without_model_words(row.verdict)))
            .bind(3, std::string_view(now));
        update.step();
        update.reset();
        erased.ids.push_back(row.id);
        if (hashes.insert(row.hash).second) erased.hashes.push_back(row.hash);
    }
    transaction.commit();
    return erased;
}

ErasedDecisions DecisionLog::erase(ErasureKey key, const std::string& value) {
    const std::string_view column = key == ErasureKey::content_sha256 ? "content_sha256"
                                    : key == ErasureKey::item_id      ? "item_id"
                                                                      : "request_id";
    const std::string where = " AND " + std::string(column) + " = ?1";
    size_t newly = 0;
    for (size_t n = kErasureBatch; n == kErasureBatch; newly += n) {
        std::lock_guard lock(mutex_);
        n = erase_rows(where, {value}, kErasureBatch).newly_erased;
    }
    // Every row it names, erased now or before (by retention, or an earlier request that stopped
    // part way): their reviews and runs are erased by the ids and hashes, whatever the rows say.
    ErasedDecisions all;
    all.newly_erased = newly;
    std::set<std::string> hashes;
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare("SELECT id, content_sha256 FROM decisions WHERE 1 = 1" + where);
    select.bind(1, std::string_view(value));
    while (select.step()) {
        all.ids.push_back(select.integer(0));
        if (std::string hash = select.text(1).value_or(""); hashes.insert(hash).second)
            all.hashes.push_back(std::move(hash));
    }
    return all;
}

ErasedDecisions DecisionLog::erase_before(const std::string& cutoff, const PolicyScope& scope, size_t batch) {
    std::vector<std::string> values = {cutoff};
    const std::string where = " AND created_at < ?1" + scope_sql(scope, values);
    std::lock_guard lock(mutex_);
    return erase_rows(where, values, batch);
}

size_t DecisionLog::delete_before(const std::string& cutoff, const PolicyScope& scope, size_t batch) {
    std::vector<std::string> values = {cutoff};
    const std::string where = "created_at < ?1" + scope_sql(scope, values);
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    // The oldest first, a batch at a time: a DELETE without a bound would hold the write lock for
    // as long as a year of rows takes.
    Statement remove = db_.prepare("DELETE FROM decisions WHERE id IN (SELECT id FROM decisions WHERE " +
                                   where + " ORDER BY id LIMIT " + std::to_string(batch) + ") RETURNING id");
    for (size_t i = 0; i < values.size(); ++i)
        remove.bind(static_cast<int>(i) + 1, std::string_view(values[i]));
    size_t deleted = 0;
    while (remove.step()) ++deleted;
    return deleted;
}

void DecisionLog::reclaim_space() {
    if (db_.engine() != Engine::sqlite) return;
    // A few thousand pages at a time, each a write of its own: a year's worth freed at once would
    // hold the write lock for as long as giving all of it back takes.
    for (bool more = true; more;) {
        {
            std::lock_guard lock(mutex_);
            db_.exec("PRAGMA incremental_vacuum(" + std::to_string(kPagesPerVacuum) + ")");
            Statement free_pages = db_.prepare("PRAGMA freelist_count");
            more = free_pages.step() && free_pages.integer(0) > 0;
        }
        if (more) std::this_thread::sleep_for(kVacuumPause);
    }
    // The erased content's old pages wait in the write-ahead log until a checkpoint copies the new
    // ones over; PASSIVE never waits for readers.
    std::lock_guard lock(mutex_);
    db_.exec("PRAGMA wal_checkpoint(PASSIVE)");
}

}  // namespace arbiter::storage
