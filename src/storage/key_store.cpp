#include "storage/key_store.h"

#include "storage/change_feed.h"
#include "storage/decision_log.h"
#include "storage/migrations.h"

namespace arbiter::storage {

namespace {

// The same SQL on both engines.
void create_api_keys(Database& db) {
    db.exec(
        "CREATE TABLE IF NOT EXISTS api_keys (name TEXT PRIMARY KEY, role TEXT NOT NULL, "
        "sha256 TEXT NOT NULL, created_at TEXT NOT NULL)");
}

// Version 2: a key's own rate limits (NULL: the configuration's default).
void add_limits(Database& db) {
    db.exec("ALTER TABLE api_keys ADD COLUMN limits TEXT");
}

constexpr Migration kMigrations[] = {create_api_keys, add_limits};

}  // namespace

KeyStore::KeyStore(const std::string& location) : db_(location) {
    migrate(db_, "api_keys", kMigrations);
}

void KeyStore::add(const StoredKey& key) {
    const std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    Statement insert = db_.prepare(
        "INSERT INTO api_keys (name, role, sha256, created_at, limits) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (name) DO NOTHING RETURNING name");
    insert.bind(1, std::string_view(key.name))
        .bind(2, std::string_view(key.role))
        .bind(3, std::string_view(key.sha256))
        .bind(4, std::string_view(utc_timestamp_now()))
        .bind(5, key.limits.empty() ? std::nullopt : std::optional<std::string>(key.limits));
    if (!insert.step()) throw KeyNameTaken("a key named '" + key.name + "' exists already");
    insert.reset();  // done with: SQLite commits no transaction with a statement still running
    announce_change(db_, "api_keys");
    transaction.commit();
}

bool KeyStore::revoke(const std::string& name) {
    const std::lock_guard lock(mutex_);
    db_.ensure_usable();
    Database::Transaction transaction(db_);
    Statement remove = db_.prepare("DELETE FROM api_keys WHERE name = ?1 RETURNING name");
    remove.bind(1, std::string_view(name));
    if (!remove.step()) return false;
    remove.reset();
    announce_change(db_, "api_keys");
    transaction.commit();
    return true;
}

std::vector<StoredKey> KeyStore::all() {
    const std::lock_guard lock(mutex_);
    Statement select = db_.prepare("SELECT name, role, sha256, limits FROM api_keys ORDER BY name");
    std::vector<StoredKey> keys;
    while (select.step())
        keys.push_back({select.text(0).value_or(""), select.text(1).value_or(""), select.text(2).value_or(""),
                        select.text(3).value_or("")});
    return keys;
}

}  // namespace arbiter::storage
