#pragma once
// Which policies have a shadow version: a candidate that judges live traffic beside the live
// version, its verdicts logged (marked shadow) but never returned, so a team sees how it would
// behave before promoting it. Kept in SQLite beside the policies, one shadow per policy:
//
//   policy_shadows(policy_id, version, since, set_by)
//
// Read on every classification, so held in memory as well.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "storage/database.h"
#include "storage/policy_store.h"

namespace arbiter::storage {

struct Shadow {
    std::shared_ptr<const Policy> policy;  // the shadow version
    std::string since;                     // when it was set: its verdicts are compared from then
    std::string set_by;
};

class ShadowVersions {
public:
    // Opens (creating the table where missing) and loads the shadows from `policies`. Throws
    // StoreError.
    ShadowVersions(const std::string& location, PolicyStore& policies);

    std::optional<Shadow> of(const std::string& policy_id) const;
    // Makes version `version` of `policy_id` its shadow (replacing any); false when that version
    // is not stored.
    bool set(const std::string& policy_id, int version, const std::string& set_by);
    // False when the policy had no shadow.
    bool clear(const std::string& policy_id);

    // Reads the shadows again, after another instance changed them (change_feed.h).
    void reload();

private:
    PolicyStore& policies_;
    mutable std::mutex mutex_;
    Database db_;
    std::map<std::string, Shadow> shadows_;
};

}  // namespace arbiter::storage
