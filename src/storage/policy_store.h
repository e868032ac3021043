#pragma once
// The policies a server serves, every version of each, kept in the database beside the decision
// log so that versions survive restarts and every verdict can be traced to the text that judged it:
//
//   policy_versions(policy_id, version, created_at, deleted, policy, source, author)
//
// policy is the policy's JSON; author the API key that wrote the version (NULL: the files).
//
// A policy folder seeds the store at start: a file whose policy matches no stored version of its
// id (it is new, or was edited) becomes the next version; a file seen before changes nothing, so
// a restart neither undoes edits made over the API nor brings back a deleted policy. PUT adds a
// version, DELETE retires the policy; old versions stay readable. Instances sharing a PostgreSQL
// database take turns to write, so two that store the same next version give one VersionConflict,
// and each hears the others' changes (change_feed.h) and reloads.

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/policy.h"
#include "storage/database.h"

namespace arbiter::storage {

// A PUT whose stated version is not the next one: someone else changed the policy meanwhile.
class VersionConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct PolicyVersion {
    std::shared_ptr<const Policy> policy;
    std::string created_at;
    bool deleted = false;  // the version that retired the policy
};

// One stored version, without its text: what a history lists.
struct PolicyVersionInfo {
    int version = 0;
    std::string created_at;
    bool deleted = false;
    std::optional<std::string> author;  // the API key that wrote it; nullopt: the policy files, or unknown
};

class PolicyStore {
public:
    // Opens or creates the store in the database at `location` (a file or a PostgreSQL URL). Throws
    // StoreError.
    explicit PolicyStore(const std::string& location);

    // Adds the policies read from files (see above). Returns how many became new versions.
    size_t seed(const std::vector<Policy>& policies);

    // The current version, or null if there is none or the policy was deleted.
    std::shared_ptr<const Policy> current(const std::string& id) const;
    std::vector<std::shared_ptr<const Policy>> current_all() const;
    // Any stored version, deleted policies included.
    std::optional<PolicyVersion> version(const std::string& id, int version);
    // Every stored version of `id`, oldest first; empty when the id was never stored.
    std::vector<PolicyVersionInfo> versions(const std::string& id);

    // Stores `policy` as the next version of its id. With `stated`, the version its author gave,
    // that must be exactly the next one, else VersionConflict: two editors who both read version
    // N (or both create a policy as version 1) cannot both write N + 1.
    // `author` names who wrote it (an API key's name; empty: unknown).
    std::shared_ptr<const Policy> put(Policy policy, bool stated, const std::string& author = "");
    // False if there was no current version. The deletion is a version of its own, by `author`.
    bool remove(const std::string& id, const std::string& author = "");

    // Reads the current versions again, after another instance changed them (change_feed.h).
    void reload();

private:
    int latest_version(const std::string& id);  // these three with mutex_ held
    std::optional<PolicyVersion> read_version(const std::string& id, int version);
    void insert(const Policy& policy, bool deleted, const std::string& author);

    mutable std::mutex mutex_;
    Database db_;
    std::map<std::string, std::shared_ptr<const Policy>> current_;
};

}  // namespace arbiter::storage
