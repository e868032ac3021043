#include "storage/state_tables.h"

#include "storage/audit_log.h"
#include "storage/decision_log.h"
#include "storage/key_store.h"
#include "storage/policy_store.h"
#include "storage/review_log.h"
#include "storage/review_queue.h"
#include "storage/run_store.h"
#include "storage/shadow_versions.h"

namespace arbiter::storage {

void create_state_tables(const std::string& location) {
    PolicyStore policies(location);
    const DecisionLog log(location, true);
    const ReviewLog reviews(location);
    const ReviewQueue queue(location);
    const RunStore runs(location);
    const ShadowVersions shadows(location, policies);
    const KeyStore keys(location);
    const AuditLog audit(location);
}

}  // namespace arbiter::storage
