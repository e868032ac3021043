// DecisionLog's erasure and retention (decision_log.h): content erased on request or after a
// while, rows deleted after longer, and the space given back.

#include <set>

#include "storage/decision_log.h"

namespace arbiter::storage {

namespace {

constexpr size_t kErasureBatch = 500;

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
                    " ORDER BY id LIMIT " + std::to_string(batch));
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
    ErasedDecisions all;
    std::set<std::string> hashes;
    for (;;) {
        ErasedDecisions batch;
        {
            std::lock_guard lock(mutex_);
            batch = erase_rows(where, {value}, kErasureBatch);
        }
        all.ids.insert(all.ids.end(), batch.ids.begin(), batch.ids.end());
        for (std::string& hash : batch.hashes)
            if (hashes.insert(hash).second) all.hashes.push_back(std::move(hash));
        if (batch.ids.size() < kErasureBatch) return all;
    }
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
    std::lock_guard lock(mutex_);
    db_.exec("PRAGMA incremental_vacuum");
}

}  // namespace arbiter::storage
