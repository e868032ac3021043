// Arbitrary request bytes through what `arbiter serve` reads from a client before any handler
// acts: the request target, the Content-Encoding decoder, and the bodies of POST /v1/classify,
// POST /v1/moderations, PUT /v1/policies/{id} (JSON or a policy file) and POST /v1/streams[/append];
// and what the gateway reads from an upstream (Server-Sent Events in pieces). Each either yields
// a value or refuses with its own error type and a client status; nothing else may escape.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "compat/moderation.h"
#include "core/json_input.h"
#include "core/policy_file.h"
#include "core/policy_json.h"
#include "core/service_error.h"
#include "core/sse_parser.h"
#include "http/body_decoding.h"
#include "http/http_message.h"
#include "mcp/mcp_messages.h"
#include "service/classify_request.h"
#include "streams/stream_request.h"

namespace {

using namespace arbiter;
using namespace arbiter::service;

void expect_client_status(const ServiceError& e) {
    if (e.refusal() != Refusal::invalid && e.refusal() != Refusal::too_large) std::abort();
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
    } catch (const ServiceError& e) {
        expect_client_status(e);
    }
    try {
        const ModerationRequest request = parse_moderation_request(*body, 64);
        if (request.inputs.size() > 64) std::abort();
    } catch (const ServiceError& e) {
        expect_client_status(e);
    }
    try {
        const Policy policy = policy_from_json(*body, "fuzz");
        if (policy.text.empty()) std::abort();
    } catch (const PolicyError&) {
    }
    // Any id names a policy here, so that the settings and the context are reached.
    const auto lookup = [](const std::string& id) {
        auto policy = std::make_shared<Policy>();
        policy->id = id;
        policy->text = "fuzz";
        return std::shared_ptr<const Policy>(policy);
    };
    try {
        const StreamOpen open = parse_stream_open(*body, lookup);
        if (open.policies.empty() || open.policies.size() > kMaxStreamPolicies ||
            open.reason_at_close.size() != open.policies.size())
            std::abort();
        for (const StreamPolicy& p : open.policies) {
            if (p.check_every_tokens < 1 || p.consecutive < 1 || p.threshold < 0 || p.threshold > 1)
                std::abort();
        }
    } catch (const ServiceError& e) {
        expect_client_status(e);
    }
    try {
        (void)parse_stream_append(*body);
    } catch (const ServiceError& e) {
        expect_client_status(e);
    }
}

// An event the MCP guard relays is written back as clients will read it: read again, it has the
// same data and is written the same (fields a client could misread are left out, once).
void written_back(const SseEvent& event) {
    const std::string text = sse_text(event);
    SseParser again;
    const std::vector<SseEvent> back = again.feed_events(text);
    if (back.size() > 1 || (event.has_data && (back.size() != 1 || back[0].data != event.data)) ||
        (!back.empty() && sse_text(back[0]) != text))
        std::abort();
}

// The bytes as an upstream's event stream, cut into pieces where they hold a NUL.
void sse_pieces(std::string_view text) {
    SseParser parser;
    size_t events = 0;
    try {
        for (size_t at = 0; at <= text.size();) {
            const size_t cut = std::min(text.find('\0', at), text.size());
            for (const SseEvent& event : parser.feed_events(text.substr(at, cut - at))) {
                ++events;
                written_back(event);
            }
            at = cut + 1;
        }
    } catch (const std::length_error&) {
    }
    if (events > text.size()) std::abort();
}

// The bytes as MCP messages: whatever they hold, reading a call, a result or a listing never
// crashes, and a call's name is never empty.
void mcp_parts(std::string_view text) {
    McpMessages messages;
    try {
        messages = mcp_messages(text);
    } catch (const McpInputError&) {
        return;
    }
    for (const nlohmann::json& m : messages.messages) {
        if (is_tool_call(m)) {
            try {
                if (tool_call_of(m).name.empty()) std::abort();
            } catch (const McpInputError&) {
            }
        }
        if (is_response(m)) (void)response_text(m);
        if (is_tool_listing(m)) {
            for (const nlohmann::json& tool : m["result"]["tools"]) (void)description_text(tool);
        }
        (void)description_text(m);
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
    sse_pieces(text);
    mcp_parts(text);
    (void)states_version(text);
    try {
        (void)parse_policy(text, "fuzz.md");
    } catch (const PolicyError&) {
    }
    return 0;
}
