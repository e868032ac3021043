#include "review/audit_trail.h"

#include "core/service_error.h"
#include "http/http_reply.h"

namespace arbiter::service {

void record_change(ServiceContext& context, const HttpRequest& req, const std::string& action,
                   const std::string& target, nlohmann::ordered_json detail) {
    storage::AuditEvent event{caller_name(req), req.peer, action, target, std::move(detail)};
    try {
        context.audit.record(event);
    } catch (const StoreError& e) {
        throw ServiceError(Refusal::internal,
                           "the change (" + action + " " + target +
                               ") was made, but the audit trail could not record it: " + e.what());
    }
}

}  // namespace arbiter::service
