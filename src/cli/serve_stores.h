#pragma once
// What `arbiter serve` keeps in its database: every store, the policy store seeded with the policy
// files, and the API keys table. What other instances or processes change (policies, shadows,
// keys) is heard (storage/change_feed.h) and read again.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/api_keys.h"
#include "storage/audit_log.h"
#include "storage/change_feed.h"
#include "storage/decision_log.h"
#include "storage/key_store.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"

namespace arbiter::cli {

class Stores {
public:
    // Throws StoreError (and PolicyError from the files' seeding).
    Stores(const std::string& db, const std::vector<Policy>& files, bool store_content);

    // The keys of the database's table; nullopt when it holds none. Throws ApiKeyError.
    std::optional<service::ApiKeys> stored_keys();
    // `changed` runs (on the feed's thread) whenever another instance may have changed the keys.
    void on_keys_changed(std::function<void()> changed);

    storage::PolicyStore policies;
    size_t added;  // new versions the files brought
    storage::DecisionLog log;
    storage::ReviewLog reviews;
    storage::ReviewQueue queue;
    storage::RunStore runs;
    storage::ShadowVersions shadows;
    storage::KeyStore keys;
    storage::AuditLog audit;

private:
    void heard(std::string_view what);

    std::mutex listener_mutex_;
    std::function<void()> keys_changed_;
    std::unique_ptr<storage::ChangeFeed> feed_;  // last: it stops before the stores it reads go
};

}  // namespace arbiter::cli
