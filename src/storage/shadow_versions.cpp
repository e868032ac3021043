#include "storage/shadow_versions.h"

#include "storage/change_feed.h"
#include "storage/decision_log.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

constexpr std::string_view kPolicyShadows = R"sql(
CREATE TABLE IF NOT EXISTS policy_shadows (
  policy_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  since TEXT NOT NULL,
  set_by TEXT NOT NULL
);
)sql";

// The same SQL on both engines.
void create_policy_shadows(Database& db) {
    db.exec(kPolicyShadows);
}

constexpr Migration kMigrations[] = {create_policy_shadows};

}  // namespace

ShadowVersions::ShadowVersions(const std::string& location, PolicyStore& policies)
    : policies_(policies), db_(location) {
    migrate(db_, "policy_shadows", kMigrations);
    reload();
}

void ShadowVersions::reload() {
    std::lock_guard lock(mutex_);
    Statement select = db_.prepare("SELECT policy_id, version, since, set_by FROM policy_shadows");
    std::map<std::string, Shadow> shadows;
    while (select.step()) {
        const std::string id = select.text(0).value_or("");
        const std::optional<PolicyVersion> stored =
            policies_.version(id, static_cast<int>(select.integer(1)));
        if (stored) shadows[id] = {stored->policy, select.text(2).value_or(""), select.text(3).value_or("")};
    }
    shadows_ = std::move(shadows);
}

std::optional<Shadow> ShadowVersions::of(const std::string& policy_id) const {
    std::lock_guard lock(mutex_);
    const auto it = shadows_.find(policy_id);
    if (it == shadows_.end()) return std::nullopt;
    return it->second;
}

bool ShadowVersions::set(const std::string& policy_id, int version, const std::string& set_by) {
    const std::optional<PolicyVersion> stored = policies_.version(policy_id, version);
    if (!stored || stored->deleted) return false;
    Shadow shadow{stored->policy, utc_timestamp_now(), set_by};
    std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Statement upsert = db_.prepare(
        "INSERT INTO policy_shadows (policy_id, version, since, set_by) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (policy_id) DO UPDATE SET version = ?2, since = ?3, set_by = ?4");
    upsert.bind(1, std::string_view(policy_id))
        .bind(2, int64_t{version})
        .bind(3, std::string_view(shadow.since))
        .bind(4, std::string_view(set_by));
    Database::Transaction transaction(db_);
    upsert.step();
    announce_change(db_, "shadows");
    transaction.commit();
    shadows_[policy_id] = std::move(shadow);
    return true;
}

bool ShadowVersions::clear(const std::string& policy_id) {
    std::lock_guard lock(mutex_);
    if (shadows_.erase(policy_id) == 0) return false;
    db_.ensure_usable();
    Statement remove = db_.prepare("DELETE FROM policy_shadows WHERE policy_id = ?1");
    remove.bind(1, std::string_view(policy_id));
    Database::Transaction transaction(db_);
    remove.step();
    announce_change(db_, "shadows");
    transaction.commit();
    return true;
}

}  // namespace arbiter::storage
