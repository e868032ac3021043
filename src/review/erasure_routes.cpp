#include <algorithm>
#include <array>

#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/audit_trail.h"
#include "review/routes.h"
#include "service/content_erasure.h"

namespace arbiter::service {

namespace {

constexpr size_t kMaxValueBytes = 256;
constexpr size_t kMaxReasonBytes = 1000;

struct ErasureRequest {
    storage::ErasureKey key = storage::ErasureKey::content_sha256;
    std::string name;  // the parameter that named it
    std::string value;
    std::string reason;
};

bool is_sha256_hex(const std::string& text) {
    return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

ErasureRequest erasure_request(const HttpRequest& req) {
    static constexpr std::array<std::pair<std::string_view, storage::ErasureKey>, 3> kKeys = {{
        {"content_sha256", storage::ErasureKey::content_sha256},
        {"item_id", storage::ErasureKey::item_id},
        {"request_id", storage::ErasureKey::request_id},
    }};
    ErasureRequest out;
    int named = 0;
    for (const auto& [name, value] : req.query) {
        if (name == "reason") {
            out.reason = value;
            continue;
        }
        const auto* key = std::find_if(kKeys.begin(), kKeys.end(),
                                       [&parameter = name](const auto& k) { return k.first == parameter; });
        if (key == kKeys.end())
            throw ServiceError(
                Refusal::invalid,
                "unknown parameter '" + name + "' (known: content_sha256, item_id, request_id, reason)");
        out = {key->second, name, value, out.reason};
        ++named;
    }
    if (named != 1)
        throw ServiceError(Refusal::invalid,
                           "name exactly one of content_sha256, item_id or request_id: what to erase");
    if (out.value.empty() || out.value.size() > kMaxValueBytes)
        throw ServiceError(Refusal::invalid, out.name + " must be 1 to 256 bytes");
    if (out.key == storage::ErasureKey::content_sha256 && !is_sha256_hex(out.value))
        throw ServiceError(Refusal::invalid,
                           "content_sha256 must be 64 lower-case hex digits, as the log shows it");
    if (out.reason.size() > kMaxReasonBytes)
        throw ServiceError(Refusal::invalid, "reason must be at most 1000 bytes");
    return out;
}

void erase(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const ErasureRequest request = erasure_request(req);
    const ErasureCounts erased = erase_content(context, request.key, request.value);
    const nlohmann::ordered_json counts = {
        {"decisions", erased.decisions}, {"reviews", erased.reviews}, {"runs", erased.runs}};
    // Recorded even when nothing matched: the request itself is part of the record.
    record_change(context, req, "decisions.erase", request.name + ":" + request.value,
                  {{"reason", request.reason}, {"erased", counts}});
    send_json(res, 200, {{"erased", counts}});
}

}  // namespace

void add_erasure_routes(Router& router, ServiceContext& context) {
    router.add("DELETE", "/v1/decisions", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { erase(context, req, res); });
}

}  // namespace arbiter::service
