#pragma once
// A database with rows in every table of arbiter's state (storage/state_tables.h), written through
// the stores as `arbiter serve` writes them, and every row of those tables read back as text, for
// tests that copy one database into another (storage/database_copy.h).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/sha256.h"
#include "core/verdict_json.h"
#include "storage/audit_log.h"
#include "storage/database.h"
#include "storage/decision_log.h"
#include "storage/key_store.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"

namespace arbiter::test {

// The decisions fill_every_table writes: more than a few batches of a small copy.
inline constexpr int kFilledDecisions = 25;

inline Policy policy_text(const std::string& id, const std::string& text) {
    Policy p;
    p.id = id;
    p.text = text;
    return p;
}

inline storage::Decision filled_decision(int i) {
    Verdict v;
    v.policy_id = "scam";
    v.policy_version = 1 + i % 3;
    v.status = VerdictStatus::ok;
    v.violation = i % 2 == 0;
    v.probability = i / 7.0;  // every digit of a double must arrive
    v.latency_ms = 1000.0 / (i + 3);
    const std::string content = R"({"text": "message )" + std::to_string(i) + R"("})";
    return {"req-" + std::to_string(i / 2),
            "item-" + std::to_string(i),
            content,
            sha256_hex(content),
            "score",
            i == 5,  // one inline policy
            sha256_hex("Flag scams."),
            v,
            verdict_to_json("item", v),
            i != 7,   // one row without its content
            i == 9};  // one shadow verdict
}

inline storage::Review filled_review(int64_t decision_id, const std::string& reviewer) {
    storage::Review r;
    r.policy_id = "scam";
    r.policy_version = 2;
    r.content_json = R"({"text": "x"})";
    r.content_sha256 = sha256_hex(std::to_string(decision_id));
    r.violation = decision_id % 2 == 0;
    r.score = 2.0 / 3.0;
    r.reviewer = reviewer;
    r.source = "console";
    r.note = "seen";
    r.decision_id = decision_id;
    return r;
}

inline void fill_every_table(const std::string& location) {
    storage::PolicyStore policies(location);
    for (const char* text : {"Flag scams.", "Flag scams and frauds.", "Flag scams, frauds and phishing."})
        policies.put(policy_text("scam", text), false);
    policies.put(policy_text("spam", "Flag spam."), false);
    policies.remove("spam");  // a deleted version
    policies.put(policy_text("hate", "Flag hate."), false);
    storage::ShadowVersions(location, policies).set("scam", 2, "ops");

    storage::DecisionLog log(location, true);
    for (int i = 0; i < kFilledDecisions; i += 2) {
        std::vector<storage::Decision> request = {filled_decision(i)};
        if (i + 1 < kFilledDecisions) request.push_back(filled_decision(i + 1));
        log.record(request);
    }
    storage::ReviewLog reviews(location);
    for (const int64_t decision : {2, 3, 3, 11, 20})
        reviews.add(filled_review(decision, "r" + std::to_string(decision)));
    storage::Review unattached = filled_review(0, "perspective");
    unattached.decision_id.reset();
    unattached.score.reset();
    reviews.add(unattached);

    storage::ReviewQueue queue(location);
    queue.set_rules({"scam", 0.25, 0.75, true, false, 12.5, "", "ops"});
    queue.set_rules({"hate", std::nullopt, std::nullopt, false, true, 100.0 / 3.0, "", "admin"});

    // Runs in every state the queue knows: done and cancelled, one running under an instance's
    // lease, one waiting.
    storage::RunStore runs(location);
    const auto queue_run = [&runs](const std::string& id, const std::string& policy) {
        storage::Run run;
        run.id = id;
        run.created_by = "ops";
        run.policy_id = policy;
        run.spec = {{"version", 2}};
        runs.add(run);
    };
    queue_run("run-b", "scam");
    storage::Run done = *runs.claim("a", std::chrono::minutes(1));
    done.status = "done";
    done.done = done.total = 4;
    done.results = {{"agree", 3}, {"differ", 1}};
    runs.finish(done, "a");
    queue_run("run-a", "hate");
    runs.cancel("run-a");
    queue_run("run-c", "scam");
    runs.claim("b", std::chrono::minutes(1));
    queue_run("run-d", "hate");

    storage::KeyStore keys(location);
    keys.add({"ops", "admin", sha256_hex("ops-key")});
    keys.add({"bot", "classify", sha256_hex("bot-key")});

    storage::AuditLog audit(location);
    audit.record({"ops", "10.0.0.1", "policy.put", "policy:hate", {{"version", 2}}});
    audit.record({"cli:root", "local", "key.create", "key:bot", {{"role", "classify"}}});
}

// Every column of each table of state (PostgreSQL's own `seq` aside), its numbers among them.
struct DumpedTable {
    std::string name;
    std::vector<std::string> columns;
};

inline const std::vector<DumpedTable>& dumped_tables() {
    static const std::vector<DumpedTable> tables = {
        {"policy_versions", {"policy_id", "version", "created_at", "deleted", "policy", "source", "author"}},
        {"policy_shadows", {"policy_id", "version", "since", "set_by"}},
        {"decisions", {"id",
                       "created_at",
                       "request_id",
                       "item_id",
                       "policy_id",
                       "policy_version",
                       "content_sha256",
                       "content",
                       "mode",
                       "status",
                       "violation",
                       "category",
                       "probability",
                       "rationale",
                       "verdict",
                       "latency_ms",
                       "policy_source",
                       "policy_sha256",
                       "shadow",
                       "trace_id",
                       "erased_at"}},
        {"reviews",
         {"id", "created_at", "policy_id", "policy_version", "content", "content_sha256", "violation",
          "score", "reviewer", "source", "note", "decision_id"}},
        {"queue_rules",
         {"policy_id", "band_min", "band_max", "flagged", "escalated", "sample_percent", "updated_at",
          "updated_by"}},
        {"runs",
         {"id", "created_at", "created_by", "policy_id", "spec", "status", "done", "total", "finished_at",
          "error", "results"}},
        {"api_keys", {"name", "role", "sha256", "created_at"}},
        {"audit_events", {"id", "created_at", "actor", "address", "action", "target", "detail", "sha256"}},
    };
    return tables;
}

// Each table's rows, sorted, each row its values as text: a double with all 17 digits, NULL as
// "NULL". Two databases with the same rows dump alike, whichever engine holds them.
inline std::map<std::string, std::vector<std::string>> dump_every_table(const std::string& location) {
    static const std::set<std::string> numbers = {"probability", "latency_ms", "score",
                                                  "band_min",    "band_max",   "sample_percent"};
    storage::Database db(location, storage::Database::Access::read_only);
    std::map<std::string, std::vector<std::string>> dump;
    for (const DumpedTable& table : dumped_tables()) {
        std::string sql;
        for (const std::string& c : table.columns) sql += (sql.empty() ? "" : ", ") + c;
        storage::Statement select = db.prepare("SELECT " + sql + " FROM " + table.name);
        std::vector<std::string>& rows = dump[table.name];
        while (select.step()) {
            std::string row;
            for (int i = 0; i < static_cast<int>(table.columns.size()); ++i) {
                char number[32];
                if (select.is_null(i)) {
                    row += "NULL";
                } else if (numbers.contains(table.columns[static_cast<size_t>(i)])) {
                    std::snprintf(number, sizeof number, "%.17g", *select.real(i));
                    row += number;
                } else {
                    row += *select.text(i);
                }
                row += " | ";
            }
            rows.push_back(row);
        }
        std::sort(rows.begin(), rows.end());
    }
    return dump;
}

}  // namespace arbiter::test
