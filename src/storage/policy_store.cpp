#include "storage/policy_store.h"

#include "core/policy_json.h"
#include "storage/change_feed.h"
#include "storage/decision_log.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

constexpr std::string_view kPolicyVersions = R"sql(
CREATE TABLE IF NOT EXISTS policy_versions (
  policy_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  policy TEXT NOT NULL,
  source TEXT,
  PRIMARY KEY (policy_id, version)
);
)sql";

// The same SQL on both engines.
void create_policy_versions(Database& db) {
    db.exec(kPolicyVersions);
}

// Version 2: who wrote each version: the API key's name (NULL: the policy files, or a version
// stored before authors were kept).
void add_author(Database& db) {
    db.exec("ALTER TABLE policy_versions ADD COLUMN author TEXT");
}

constexpr Migration kMigrations[] = {create_policy_versions, add_author};

// Policy writers take turns under this name (take_turns), across instances.
constexpr std::string_view kWriters = "arbiter.policy_versions";

// What a version is judged by: everything but its version number (and where it was read from).
bool same_policy(const Policy& a, const Policy& b) {
    nlohmann::ordered_json x = policy_to_json(a);
    nlohmann::ordered_json y = policy_to_json(b);
    x.erase("version");
    y.erase("version");
    return x == y;
}

// `source` is the file the policy was read from, where there was one: its fast-tier model is
// stored beside it.
std::shared_ptr<const Policy> parse_stored(const std::string& json,
                                           const std::optional<std::string>& source) {
    Policy policy = policy_from_json(nlohmann::json::parse(json));
    policy.source = source.value_or("");
    return std::make_shared<const Policy>(std::move(policy));
}

}  // namespace

PolicyStore::PolicyStore(const std::string& location) : db_(location) {
    migrate(db_, "policy_versions", kMigrations);
    reload();
}

void PolicyStore::reload() {
    std::lock_guard lock(mutex_);
    // The latest version of each policy that is not deleted is current.
    Statement select = db_.prepare(
        "SELECT p.policy, p.deleted, p.source FROM policy_versions p WHERE p.version = "
        "(SELECT MAX(version) FROM policy_versions q WHERE q.policy_id = p.policy_id)");
    std::map<std::string, std::shared_ptr<const Policy>> current;
    while (select.step()) {
        if (select.integer(1) != 0) continue;
        std::shared_ptr<const Policy> policy = parse_stored(select.text(0).value_or("{}"), select.text(2));
        // A version already current stays the object it is (seed() may have read it from a new place).
        const auto known = current_.find(policy->id);
        if (known != current_.end() && known->second->version == policy->version) policy = known->second;
        current[policy->id] = policy;
    }
    current_ = std::move(current);
}

int PolicyStore::latest_version(const std::string& id) {
    Statement select = db_.prepare("SELECT MAX(version) FROM policy_versions WHERE policy_id = ?1");
    select.bind(1, std::string_view(id));
    return select.step() && !select.is_null(0) ? static_cast<int>(select.integer(0)) : 0;
}

void PolicyStore::insert(const Policy& policy, bool deleted, const std::string& author) {
    Statement insert = db_.prepare(
        "INSERT INTO policy_versions (policy_id, version, created_at, deleted, policy, source, author) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    insert.bind(1, std::string_view(policy.id))
        .bind(2, int64_t{policy.version})
        .bind(3, std::string_view(utc_timestamp_now()))
        .bind(4, int64_t{deleted ? 1 : 0})
        .bind(5, std::string_view(policy_to_json(policy).dump()));
    if (policy.source.empty())
        insert.bind_null(6);
    else
        insert.bind(6, std::string_view(policy.source));
    insert.bind(7, author.empty() ? std::nullopt : std::optional<std::string>(author));
    insert.step();
}

size_t PolicyStore::seed(const std::vector<Policy>& policies) {
    std::lock_guard lock(mutex_);
    size_t added = 0;
    Database::Transaction transaction(db_);
    take_turns(db_, kWriters);
    for (const Policy& file : policies) {
        const int latest = latest_version(file.id);
        bool seen = false;
        Statement select = db_.prepare("SELECT policy FROM policy_versions WHERE policy_id = ?1");
        select.bind(1, std::string_view(file.id));
        while (!seen && select.step())
            seen = same_policy(*parse_stored(select.text(0).value_or("{}"), std::nullopt), file);
        if (seen) {
            // The file is the current version: serve it as read now, from where it lies now.
            const auto current = current_.find(file.id);
            if (current != current_.end() && same_policy(*current->second, file)) {
                Policy fresh = file;
                fresh.version = current->second->version;
                current->second = std::make_shared<const Policy>(std::move(fresh));
            }
            continue;
        }
        Policy next = file;
        next.version = std::max(file.version, latest + 1);
        insert(next, false, "");
        const std::string id = next.id;
        current_[id] = std::make_shared<const Policy>(std::move(next));
        ++added;
    }
    if (added > 0) announce_change(db_, "policies");
    transaction.commit();
    return added;
}

std::shared_ptr<const Policy> PolicyStore::current(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto it = current_.find(id);
    return it == current_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const Policy>> PolicyStore::current_all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<const Policy>> all;
    for (const auto& [id, policy] : current_) all.push_back(policy);
    return all;
}

std::optional<PolicyVersion> PolicyStore::version(const std::string& id, int version) {
    std::lock_guard lock(mutex_);
    return read_version(id, version);
}

std::optional<PolicyVersion> PolicyStore::read_version(const std::string& id, int version) {
    Statement select = db_.prepare(
        "SELECT policy, created_at, deleted, source FROM policy_versions WHERE policy_id = ?1 AND version = "
        "?2");
    select.bind(1, std::string_view(id)).bind(2, int64_t{version});
    if (!select.step()) return std::nullopt;
    return PolicyVersion{parse_stored(select.text(0).value_or("{}"), select.text(3)),
                         select.text(1).value_or(""), select.integer(2) != 0};
}

std::vector<PolicyVersionInfo> PolicyStore::versions(const std::string& id) {
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare(
        "SELECT version, created_at, deleted, author FROM policy_versions WHERE policy_id = ?1 ORDER BY "
        "version");
    select.bind(1, std::string_view(id));
    std::vector<PolicyVersionInfo> all;
    while (select.step())
        all.push_back({static_cast<int>(select.integer(0)), select.text(1).value_or(""),
                       select.integer(2) != 0, select.text(3)});
    return all;
}

std::shared_ptr<const Policy> PolicyStore::put(Policy policy, bool stated, const std::string& author) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    take_turns(db_, kWriters);
    const int next = latest_version(policy.id) + 1;
    if (stated && policy.version != next)
        throw VersionConflict("policy '" + policy.id + "' is at version " + std::to_string(next - 1) +
                              ", so the version given must be " + std::to_string(next) + ", not " +
                              std::to_string(policy.version) + " (or leave version out)");
    policy.version = next;
    insert(policy, false, author);
    announce_change(db_, "policies");
    transaction.commit();
    auto stored = std::make_shared<const Policy>(std::move(policy));
    current_[stored->id] = stored;
    return stored;
}

bool PolicyStore::remove(const std::string& id, const std::string& author) {
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    take_turns(db_, kWriters);
    // The latest stored version, not this instance's memory: another may have changed it since.
    const int latest = latest_version(id);
    const std::optional<PolicyVersion> last = latest > 0 ? read_version(id, latest) : std::nullopt;
    if (!last || last->deleted) {
        current_.erase(id);
        return false;
    }
    // A deletion is a version of its own, so the history says when the policy was retired.
    Policy tombstone = *last->policy;
    tombstone.version = latest + 1;
    insert(tombstone, true, author);
    announce_change(db_, "policies");
    transaction.commit();
    current_.erase(id);
    return true;
}

}  // namespace arbiter::storage
