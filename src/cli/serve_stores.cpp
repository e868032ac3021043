#include "cli/serve_stores.h"

namespace arbiter::cli {

Stores::Stores(const std::string& db, const std::vector<Policy>& files, bool store_content)
    : policies(db),
      added(policies.seed(files)),
      log(db, store_content),
      reviews(db),
      queue(db),
      runs(db),
      shadows(db, policies),
      keys(db),
      audit(db),
      feed_(std::make_unique<storage::ChangeFeed>(db, [this](std::string_view what) { heard(what); })) {}

std::optional<service::ApiKeys> Stores::stored_keys() {
    std::vector<service::ApiKeyEntry> entries;
    for (const storage::StoredKey& key : keys.all()) {
        const std::optional<service::Role> role = service::parse_role(key.role);
        if (!role) throw service::ApiKeyError("the api_keys table: key '" + key.name + "' has no known role");
        std::optional<RateLimit> limit;
        try {
            limit = service::parse_key_limits(key.limits);
        } catch (const service::ApiKeyError& e) {
            throw service::ApiKeyError("the api_keys table: key '" + key.name + "': " + e.what());
        }
        entries.push_back({key.name, *role, key.sha256, limit});
    }
    if (entries.empty()) return std::nullopt;
    return service::ApiKeys::of(std::move(entries), "the api_keys table");
}

void Stores::on_keys_changed(std::function<void()> changed) {
    const std::lock_guard lock(listener_mutex_);
    keys_changed_ = std::move(changed);
}

// A shadow names a version of a policy, so a policy change reads both.
void Stores::heard(std::string_view what) {
    if (what == "api_keys" || what == "everything") {
        const std::lock_guard lock(listener_mutex_);
        if (keys_changed_) keys_changed_();
        if (what == "api_keys") return;
    }
    if (what != "shadows") policies.reload();
    shadows.reload();
}

}  // namespace arbiter::cli
