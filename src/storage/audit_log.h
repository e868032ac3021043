#pragma once
// The audit trail of changes: who changed what in arbiter's state, when and from where. One row
// per change, appended and never changed:
//
//   audit_events(id, created_at, actor, address, action, target, detail, sha256)
//
// actor is the API key's name (or "cli:<user>" for the command line, "retention" for its passes);
// address is the client's IP address ("local" for the command line); action is a dotted name
// (policy.put, policy.delete, policy.promote, shadow.set, shadow.clear, queue_rule.set, run.start,
// run.cancel, key.create, key.revoke, decisions.erase, retention.pass); target names what changed
// ("policy:self-harm", "run:...", "key:ci"); detail is a JSON object of the rest.
//
// Append-only twice over: triggers refuse UPDATE and DELETE on either engine (and TRUNCATE on
// PostgreSQL), and each row's sha256 hashes the previous row's with its own fields, so that a row
// changed or removed by someone who dropped the triggers breaks the chain that verify() walks. The
// chain has no secret: the newest rows removed, or every hash recomputed, show only against a head
// (the last hash) kept outside the database.

#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "storage/database.h"

namespace arbiter::storage {

struct AuditEvent {
    std::string actor;
    std::string address;
    std::string action;
    std::string target;
    nlohmann::ordered_json detail = nlohmann::ordered_json::object();
};

// Newest first; every filter optional.
struct AuditQuery {
    std::optional<std::string> action;  // exactly, or a family: "policy" matches policy.put and policy.delete
    std::optional<std::string> actor;
    std::optional<std::string> target;
    std::optional<std::string> since;  // created at or after (canonical_utc_timestamp)
    std::optional<std::string> until;  // created before
    std::optional<int64_t> before;     // older than this event id: the next page
    int limit = 100;
};

// What verify() found.
struct AuditCheck {
    size_t events = 0;                   // rows walked
    std::optional<int64_t> first_break;  // the first row whose hash does not follow; nullopt: intact
    std::string head;                    // the last row's hash ("" when empty), to keep elsewhere
};

class AuditLog {
public:
    // Opens or creates the table in the database at `location`. Throws StoreError.
    explicit AuditLog(const std::string& location);

    // Appends `event`, chained to the last row. Throws StoreError.
    void record(const AuditEvent& event);
    // Each row: event_id, created_at, actor, address, action, target, detail.
    std::vector<nlohmann::ordered_json> query(const AuditQuery& query);
    // Walks the chain from the first row.
    AuditCheck verify();

private:
    std::mutex mutex_;
    Database db_;
};

// "cli:<login name>" for changes made with the command line.
std::string command_line_actor();

}  // namespace arbiter::storage
