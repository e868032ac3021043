#pragma once
// What the routes write in the audit trail (storage/audit_log.h) after each change they make:
// the caller's key and address with the change.

#include <nlohmann/json.hpp>
#include <string>

#include "http/http_message.h"
#include "service/service_context.h"

namespace arbiter::service {

// Records that the caller of `req` made a change (`action` on `target`, with `detail`). The change
// is made first, in its own store's transaction: when the record then fails, the request answers
// 500 saying that the change was made but not recorded.
void record_change(ServiceContext& context, const HttpRequest& req, const std::string& action,
                   const std::string& target,
                   nlohmann::ordered_json detail = nlohmann::ordered_json::object());

}  // namespace arbiter::service
