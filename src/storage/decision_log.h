#pragma once
// The audit trail: every verdict the service returns, written to the database before the response
// that carries it is sent. One row per (item, policy):
//
//   decisions(id, created_at, request_id, item_id, policy_id, policy_version, content_sha256,
//             content, mode, status, violation, category, probability, rationale, verdict,
//             latency_ms, policy_source, policy_sha256, shadow, trace_id, erased_at)
//
// created_at is ISO 8601 UTC with milliseconds (sorts as text); content is the item as JSON in
// the form input files use ({"text"} | {"prompt","response"} | {"messages"}), or NULL when the
// server runs with --no-store-content; content_sha256 hashes the user message exactly as the model
// saw it (core/content_layout.h), so the same content hashes alike however its JSON was written;
// verdict is the verdict's JSON as the API returned it; policy_source is "stored" or "inline" (a
// policy sent with the request, which may reuse any id and version) and policy_sha256 hashes the
// text that judged; shadow is 1 for a verdict of a policy's shadow version (service/shadow.h),
// logged beside the live verdict of the same request and item, never returned to the caller.
// trace_id is the W3C trace the request was made in; erased_at is when retention or an erasure
// request removed the content (decision_erasure.cpp). Logs written before these columns existed get
// them (NULL, 0) when opened. On PostgreSQL the
// types are its own (BIGINT ids, DOUBLE PRECISION), the SQL the same but where noted.

#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/content.h"
#include "core/policy.h"
#include "core/verdict.h"
#include "storage/database.h"
#include "storage/database_watch.h"

namespace arbiter::storage {

struct Decision {
    std::string request_id;
    std::string item_id;
    std::string content_json;    // the item's content, as JSON text
    std::string content_sha256;  // of the user message the model saw
    std::string mode;            // reason | score
    bool inline_policy = false;  // the policy came with the request, not from the store
    std::string policy_sha256;   // of the policy text that judged
    Verdict verdict;
    nlohmann::ordered_json verdict_json;  // as returned to the client
    bool store_content = true;            // false: only the hash is kept, whatever the log's setting
    bool shadow = false;                  // a shadow version's verdict (never returned)
    std::string trace_id = {};            // the W3C trace it was made in, 32 hex digits (empty: none)
};

// Live verdicts (never shadow ones) unless asked.
struct DecisionQuery {
    std::optional<std::string> policy;
    std::optional<int> version;  // of the policy that judged
    std::optional<bool> violation;
    std::optional<std::string> since;  // rows created at or after it (canonical_utc_timestamp)
    std::optional<std::string> until;  // rows created before it (likewise)
    // Rows whose stored content holds it in one of its strings (a message, a prompt, a response or
    // a turn's text; not roles), ignoring the case of ASCII letters. Rows without content never match.
    std::optional<std::string> text;
    std::optional<int64_t> before;  // rows older than this decision id: the next page
    int limit = 100;
};

// How a policy's shadow version compares with its live version on the same requests and items.
struct ShadowComparison {
    size_t pairs = 0;                               // live and shadow verdicts of one item, both ok
    size_t agree = 0;                               // of those, the same violation
    std::vector<nlohmann::ordered_json> differing;  // the latest that differ: both rows
};

// A verdict the model itself gave (not the cascade's rules or fast tier), with its content: what
// distillation trains the fast tier on.
struct ModelVerdict {
    Content content;
    bool violation = false;
};
struct ModelVerdicts {
    std::vector<ModelVerdict> verdicts;
    size_t skipped = 0;  // rows whose content could not be read back
};

// Which decisions an erasure request names.
enum class ErasureKey { content_sha256, item_id, request_id };

// Decisions whose content was erased: their ids and content hashes, so that the reviews and runs
// holding the same content can be erased too.
struct ErasedDecisions {
    std::vector<int64_t> ids;
    std::vector<std::string> hashes;  // distinct
    size_t newly_erased = 0;          // of `ids`, those whose content was still kept
};

// The policies a retention rule covers: one, or every policy but those with rules of their own.
struct PolicyScope {
    std::optional<std::string> only;
    std::vector<std::string> except;
};

class DecisionLog {
public:
    // Opens or creates the log in the database at `location` (a file or a PostgreSQL URL).
    // Throws StoreError.
    DecisionLog(const std::string& location, bool store_content);
    ~DecisionLog();
    DecisionLog(const DecisionLog&) = delete;
    DecisionLog& operator=(const DecisionLog&) = delete;

    Engine engine() const;

    // Writes every decision of one request in one transaction, and returns once it is committed;
    // throws StoreError, in which case none is written. Requests recording at the same time share
    // a transaction (group commit: one flush to disk for all of them, which on PostgreSQL is most
    // of a commit's time), each still all or nothing.
    void record(const std::vector<Decision>& decisions);
    // Whether decisions can be written. SQLite: the file is in place and the last write succeeded
    // (a full disk or a damaged file fail every write until one succeeds again). PostgreSQL: the
    // primary answered within the last second or so and no write failed since (never waits).
    bool healthy();

    // Newest first. Each row: decision_id, created_at, request_id, item_id, policy_id,
    // policy_version, content_sha256, content (null when not stored or erased), mode, verdict (its
    // JSON), policy_source, policy_sha256, shadow, trace_id (null: none), erased_at (null: never).
    std::vector<nlohmann::ordered_json> query(const DecisionQuery& query);
    // One decision as query() shows it; nullopt when there is none with that id.
    std::optional<nlohmann::ordered_json> row(int64_t id);
    // The shadow verdicts of `policy_id`'s `shadow_version` logged at or after `since`, paired
    // with the live verdicts of the same items; at most `limit` differing pairs, latest first.
    ShadowComparison compare_shadow(const std::string& policy_id, int shadow_version,
                                    const std::string& since, size_t limit);

    // Erasure (decision_erasure.cpp). Erasing a decision's content removes the content, the
    // model's rationale and raw answer (which may quote it) from its row and its verdict's JSON,
    // and sets erased_at; the hash, the verdict and everything else stay. Each batch is one short
    // transaction, so that recording waits at most for one batch.
    //
    // Erases every decision `key` names (shadow verdicts included) whose content is still kept;
    // returns every decision it names, erased now or before, for their reviews and runs.
    ErasedDecisions erase(ErasureKey key, const std::string& value);
    // Erases up to `batch` decisions in `scope` created before `cutoff` whose content is still kept.
    ErasedDecisions erase_before(const std::string& cutoff, const PolicyScope& scope, size_t batch);
    // Deletes up to `batch` decisions in `scope` created before `cutoff`; returns how many.
    size_t delete_before(const std::string& cutoff, const PolicyScope& scope, size_t batch);
    // Gives the pages erasure freed back to the file system (SQLite's incremental vacuum, where the
    // file has it: storage/sqlite_connection.cpp); PostgreSQL's autovacuum makes them reusable itself.
    void reclaim_space();

    // The model's verdicts for `policy` in the log at `location`, oldest first: rows of its id
    // judged by a stored policy with its exact text (never an inline policy that took its id), with
    // status ok, a violation 0 or 1 and stored content, decided by the model. Opens a file read-only
    // (a server may be writing it). Throws StoreError when it is missing or not a decision log.
    static ModelVerdicts model_verdicts(const std::string& location, const Policy& policy);

private:
    // One request's decisions waiting for a commit.
    struct Pending {
        const std::vector<Decision>* decisions;
        bool done = false;
        std::exception_ptr error;
    };
    // Commits `batch` (with mutex_ held) and sets each one's outcome: together, or, when that
    // fails, one by one, so that a request's bad row never fails another's. Never throws.
    void commit(const std::vector<Pending*>& batch);
    void write(const std::vector<const std::vector<Decision>*>& requests);  // one transaction
    // Erases up to `batch` rows `where` selects (its parameters bound by `bind`), with mutex_ held.
    ErasedDecisions erase_rows(const std::string& where, const std::vector<std::string>& values,
                               size_t batch);

    std::mutex mutex_;  // the connection
    Database db_;
    bool store_content_;
    bool last_write_failed_ = false;
    std::mutex pending_mutex_;
    std::condition_variable committed_;
    std::vector<Pending*> pending_;       // waiting for the next commit
    bool committing_ = false;             // a caller is committing for the others
    std::optional<DatabaseWatch> watch_;  // PostgreSQL only; declared last, so it stops first
};

// "2026-11-27T20:50:00.123Z" for now; for `time`.
std::string utc_timestamp_now();
std::string utc_timestamp(std::chrono::system_clock::time_point time);

// `text`, an ISO 8601 UTC date or time (YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS with optional .f to
// .fff and Z), in the form the log stores (YYYY-MM-DDTHH:MM:SS.fffZ), so that comparing the two as
// text compares times; nullopt for anything else, an impossible date (month 13, 30 February)
// included.
std::optional<std::string> canonical_utc_timestamp(std::string_view text);

}  // namespace arbiter::storage
