#include "cascade/decision_log.h"

#include <sqlite3.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cascade/judged_text.h"
#include "core/content_json.h"

namespace arbiter::cascade {

DistilledExamples read_decision_log(const std::filesystem::path& db, const std::string& policy_id) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(db, ec)) throw DecisionLogError(db.string() + ": no such file");
    sqlite3* raw = nullptr;
    const int open_rc = sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    const std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
    if (open_rc != SQLITE_OK) {
        throw DecisionLogError(db.string() + ": cannot be opened (" +
                               (raw != nullptr ? sqlite3_errmsg(raw) : sqlite3_errstr(open_rc)) + ")");
    }
    sqlite3_busy_timeout(raw, 5000);  // the server may be writing
    const char* sql =
        "SELECT content, violation FROM decisions WHERE policy_id = ?1 AND status = 'ok' "
        "AND content IS NOT NULL AND violation IS NOT NULL "
        "AND coalesce(CASE WHEN json_valid(verdict) THEN json_extract(verdict, '$.tier') END, 'model') = "
        "'model' "
        "ORDER BY id";
    sqlite3_stmt* stmt_raw = nullptr;
    if (sqlite3_prepare_v2(raw, sql, -1, &stmt_raw, nullptr) != SQLITE_OK) {
        throw DecisionLogError(db.string() + ": not an arbiter decision log (" + sqlite3_errmsg(raw) + ")");
    }
    const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(stmt_raw, &sqlite3_finalize);
    sqlite3_bind_text(stmt_raw, 1, policy_id.c_str(), static_cast<int>(policy_id.size()), SQLITE_TRANSIENT);

    DistilledExamples out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(stmt_raw)) == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_raw, 0));
        const int bytes = sqlite3_column_bytes(stmt_raw, 0);
        const nlohmann::json j =
            nlohmann::json::parse(std::string_view(text, static_cast<size_t>(bytes)), nullptr, false);
        try {
            if (j.is_discarded()) throw ContentError("not JSON");
            out.examples.push_back({judged_text(content_from_json(j)), sqlite3_column_int(stmt_raw, 1) != 0});
        } catch (const ContentError&) {
            ++out.skipped;
        }
    }
    if (rc != SQLITE_DONE) {
        throw DecisionLogError(db.string() + ": cannot be read (" + sqlite3_errmsg(raw) + ")");
    }
    return out;
}

}  // namespace arbiter::cascade
