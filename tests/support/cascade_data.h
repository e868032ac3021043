#pragma once
// A generated, learnable training set for the fast classifier: scam messages (violations) use
// words from one vocabulary, ordinary messages from another, both padded with shared filler.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cascade/fast_classifier.h"

namespace arbiter::test {

inline std::vector<cascade::Example> scam_examples(size_t n, uint32_t seed) {
    const std::vector<std::string> scam = {"wire",   "transfer", "gift",   "card",   "prize",
                                           "winner", "claim",    "urgent", "verify", "bank",
                                           "refund", "crypto",   "wallet", "lottery"};
    const std::vector<std::string> ham = {"meeting", "lunch",    "report",  "weather", "garden",
                                          "recipe",  "football", "holiday", "school",  "movie",
                                          "coffee",  "train",    "library", "music"};
    const std::vector<std::string> filler = {"the", "a",   "please", "today", "we",   "you",     "my",
                                             "is",  "for", "and",    "this",  "with", "tomorrow"};
    std::mt19937 rng(seed);
    const auto pick = [&](const std::vector<std::string>& words) {
        return words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(rng)];
    };
    std::vector<cascade::Example> out;
    for (size_t i = 0; i < n; ++i) {
        const bool violation = i % 3 == 0;
        std::string text;
        const int length = std::uniform_int_distribution<int>(8, 16)(rng);
        for (int w = 0; w < length; ++w) {
            if (!text.empty()) text += ' ';
            // Mostly class words, some from the other class, so the task is not trivial.
            const int r = std::uniform_int_distribution<int>(0, 19)(rng);
            if (r < 10)
                text += pick(filler);
            else if (r < 19)
                text += pick(violation ? scam : ham);
            else
                text += pick(violation ? ham : scam);
        }
        out.push_back({text, violation});
    }
    return out;
}

// A decision log with the server's table and these rows (policy, content JSON or "" for NULL,
// violation or -1 for NULL, status).
inline void make_decision_log(
    const std::string& path,
    const std::vector<std::tuple<std::string, std::string, int, const char*>>& rows) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(
            db,
            "CREATE TABLE decisions(id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, "
            "request_id TEXT NOT NULL, item_id TEXT, policy_id TEXT NOT NULL, policy_version INTEGER "
            "NOT NULL, content_sha256 TEXT NOT NULL, content TEXT, mode TEXT NOT NULL, status TEXT NOT "
            "NULL, violation INTEGER, category TEXT, probability REAL, rationale TEXT, verdict TEXT NOT "
            "NULL, latency_ms REAL)",
            nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "INSERT INTO decisions(created_at, request_id, policy_id, policy_version, "
                                 "content_sha256, content, mode, status, violation, verdict) VALUES "
                                 "('2026-01-01T00:00:00Z', 'r', ?1, 1, 'x', ?2, 'reason', ?3, ?4, '{}')",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    for (const auto& [policy, content, violation, status] : rows) {
        sqlite3_bind_text(stmt, 1, policy.c_str(), -1, SQLITE_TRANSIENT);
        if (content.empty())
            sqlite3_bind_null(stmt, 2);
        else
            sqlite3_bind_text(stmt, 2, content.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(stmt, 3, status, -1, SQLITE_TRANSIENT);
        if (violation < 0)
            sqlite3_bind_null(stmt, 4);
        else
            sqlite3_bind_int(stmt, 4, violation);
        ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

}  // namespace arbiter::test
