// Arbitrary request bytes through what `arbiter serve` reads from a client before any handler
// acts: the request target, the Content-Encoding decoder, and the bodies of POST /v1/classify,
// POST /v1/moderations and PUT /v1/policies/{id} (JSON or a policy file). Each either yields a
// value or refuses with its own error type and a client status; nothing else may escape.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/json_input.h"
#include "core/policy_file.h"
#include "core/policy_json.h"
#include "service/body_decoding.h"
#include "service/classify_request.h"
#include "service/http_message.h"
#include "service/moderation.h"
#include "service/request_error.h"

namespace {

using namespace arbiter;
using namespace arbiter::service;

void expect_client_status(const RequestError& e) {
    if (e.status() != 400 && e.status() != 413) std::abort();
}

void json_bodies(std::string_view text) {
    std::string error;
    const std::optional<nlohmann::json> body = parse_json(text, error);
    if (!body) {
        if (error.empty()) std::abort();
        return;
    }
    try {
        const ClassifyRequest request = parse_classify_request(*body, 64);
        if (request.policies.empty() || request.items.empty() || request.items.size() > 64) std::abort();
    } catch (const RequestError& e) {
        expect_client_status(e);
    }
    try {
        const ModerationRequest request = parse_moderation_request(*body, 64);
        if (request.inputs.size() > 64) std::abort();
    } catch (const RequestError& e) {
        expect_client_status(e);
    }
    try {
        const Policy policy = policy_from_json(*body, "fuzz");
        if (policy.text.empty()) std::abort();
    } catch (const PolicyError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    if (split_target(text, path, query) && path.size() > text.size()) std::abort();

    std::string body(text);
    if (decode_body("gzip", body, 1 << 20) == BodyDecoding::ok && body.size() > (1 << 20)) std::abort();

    json_bodies(text);
    (void)states_version(text);
    try {
        (void)parse_policy(text, "fuzz.md");
    } catch (const PolicyError&) {
    }
    return 0;
}
