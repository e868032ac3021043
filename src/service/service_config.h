#pragma once
// The server's settings: limits, what a timeout means, and the policy sets /v1/moderations serves.
// From the YAML file given to `arbiter serve --config` (flags override host and port):
//
//   server:
//     host: 127.0.0.1
//     port: 8080
//     max_body_bytes: 2097152     # larger requests get 413
//     max_items: 64               # items in one batch request (413 beyond)
//     max_content_tokens: 8192    # tokens of one item's content (413 beyond)
//     queue_depth: 256            # jobs (item x policy) admitted at once (429 beyond)
//     request_timeout_ms: 30000   # per request; then 504, or the on_timeout verdict
//     http_threads: 32            # blocking requests handled at once (4x as many may wait; 429 beyond)
//     max_connections: 4096       # open connections (503 beyond); capped by the open-file limit
//     max_header_bytes: 16384     # a request's headers (431 beyond)
//     header_timeout_ms: 10000    # to receive a request's headers; then the connection closes
//     body_timeout_ms: 30000      # to receive its body
//     idle_timeout_ms: 30000      # a keep-alive connection waits this long for its next request
//     on_timeout: error           # error (504) | fail_closed (violation) | fail_open (no violation)
//     store_content: true         # keep the content in the decision log
//     run_lease_ms: 60000         # a run's claim lasts this long unrenewed (> request_timeout_ms)
//   policy_sets:                  # /v1/moderations "model" names one; default: every policy
//     default:
//       policies: [spam, hate-speech]
//       mode: score               # score (default) | reason
//       threshold: 0.5            # flagged when P(violation) >= threshold (score mode)
//       on_timeout: fail_closed
//       aliases: [my-moderation]  # other model names that select this set
//       categories:               # policy id: OpenAI category key(s) it answers under
//         hate-speech: hate
//         self-harm: [self-harm, self-harm/intent]
//   perspective:                  # POST /v1alpha1/comments:analyze (Perspective's API)
//     attributes:                 # attribute name: the policy (score mode) that answers it
//       TOXICITY: toxicity
//     max_text_bytes: 20480       # a comment's text (400 beyond, as Perspective)
//   gateway:                      # POST /v1/chat/completions in front of an LLM server
//     upstream: http://127.0.0.1:8081/v1   # any OpenAI-compatible server (serve --upstream)
//     api_key_env: UPSTREAM_API_KEY        # its bearer token, if it needs one
//     input_policies: [hate-speech]        # judge the request's messages (default: every policy)
//     output_policies: [spam]              # judge the answer as it streams (default: every policy)
//     release: observe                     # observe (relay at once, cut on a flag) | hold
//     input_threshold: 0.5                 # messages refused when P(violation) >= it
//     timeout_ms: 300000                   # one upstream request, start to end (then 504)
//     max_streams: 32                      # streamed answers at once (429 beyond)
//     max_waiting: 64                      # whole answers waited for at once (429 beyond)
//   backend: ...                  # the engine's settings, read by the backend configuration
//
// Model names: OpenAI's moderation models (kOpenAIModerationModels: omni-moderation-latest, ...)
// select the `default` set unless a set lists them in its `aliases`, so that clients which
// hard-code one (@openai/guardrails sends omni-moderation-latest, and on a 404 would send the
// content to OpenAI instead) are answered here. An alias may not be a set's name nor belong to two
// sets.
//
// Categories: a policy answers in `categories`, `category_scores` and
// `category_applied_input_types` under its id, or under the OpenAI keys the set maps it to
// (kOpenAIModerationCategories), so that clients reading `categories.hate` see it. A key maps
// from one policy only, and a set that lists its policies maps only those.
//
// Unknown keys are errors: a misspelt limit must not silently fall back to a default, nor a
// misspelt category silently never flag.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/backend.h"
#include "core/policy.h"
#include "core/rate_limit.h"

namespace arbiter::service {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class OnTimeout {
    error,        // the request fails with 504
    fail_closed,  // the verdict says violation, with status timeout
    fail_open,    // the verdict says no violation, with status timeout
};

// OpenAI's moderation model names, which select the `default` set unless a set claims them.
inline constexpr std::array<std::string_view, 5> kOpenAIModerationModels = {
    "omni-moderation-latest", "omni-moderation-2024-09-26", "text-moderation-latest",
    "text-moderation-stable", "text-moderation-007",
};

// The category keys of OpenAI's moderation responses, which a set may name its policies with.
inline constexpr std::array<std::string_view, 13> kOpenAIModerationCategories = {
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
};

struct PolicySet {
    std::string name;                   // the set's own name (also in an alias's entry)
    std::vector<std::string> policies;  // empty: every policy the server has
    Mode mode = Mode::score;
    double threshold = 0.5;
    std::optional<OnTimeout> on_timeout;  // default: the server's
    std::vector<std::string> aliases;     // as configured; resolved into ServiceConfig::policy_sets
    // Policy id -> the OpenAI category keys it answers under; a policy not here answers under its id.
    std::map<std::string, std::vector<std::string>> categories;
};

// `sets` (by name) as ServiceConfig::policy_sets holds them: `default` added where missing, and an
// entry for every alias, each set's own and those of kOpenAIModerationModels no set claims (they
// select `default`). Throws ConfigError when an alias is a set's name or two sets claim it.
std::map<std::string, PolicySet> with_model_aliases(std::map<std::string, PolicySet> sets);

// How the chat gateway (POST /v1/chat/completions, streams/gateway_routes.cpp) releases an answer.
enum class Release {
    observe,  // relay each delta at once; cut the stream when a check flags
    hold,     // relay text only once a check covering it has passed
};

// `gateway:` in the file; `serve --upstream URL` sets the upstream.
struct GatewayConfig {
    std::string upstream;     // the LLM server's base URL (with or without /v1); empty: no gateway
    std::string api_key_env;  // an environment variable holding its bearer token
    std::optional<std::vector<std::string>> input_policies;   // judge the messages (default: all)
    std::optional<std::vector<std::string>> output_policies;  // judge the answer (default: all)
    Release release = Release::observe;
    double input_threshold = 0.5;  // the messages are refused when a P(violation) is at or above it
    std::chrono::milliseconds timeout{300000};  // one upstream request, start to end
    size_t max_streams = 32;                    // streamed answers relayed at once (429 beyond)
    size_t max_waiting = 64;                    // whole answers waited for at once (429 beyond)

    bool operator==(const GatewayConfig&) const = default;
};

// What the MCP guard does with a tool whose description a policy flags (tool poisoning):
// leaves it out of tools/list, keeps it with the policies named in its _meta, or does not judge
// descriptions at all.
enum class FlaggedTools { withhold, flag, pass };

struct McpConfig {
    std::string upstream;       // the MCP server's endpoint ("http://host:3000/mcp"); empty: no guard
    std::string path = "/mcp";  // where arbiter serves it
    std::string api_key_env;    // an environment variable holding the upstream's bearer token
    std::optional<std::vector<std::string>> policies;  // judge calls, results, descriptions (default: all)
    FlaggedTools tool_descriptions = FlaggedTools::withhold;
    double threshold = 0.5;                     // a part is flagged when a P(violation) is at or above it
    std::chrono::milliseconds timeout{300000};  // one upstream request, start to end (GET streams too)
    size_t max_streams = 32;                    // upstream requests relayed at once (429 beyond)

    bool operator==(const McpConfig&) const = default;
};

// `tracing:` in the file; `serve --otlp-endpoint URL` sets the endpoint. Requests' W3C traces are
// followed and logged whatever it says; spans are exported only to an endpoint.
struct TracingConfig {
    std::string endpoint = {};             // an OTLP/HTTP collector ("http://host:4318"); empty: none
    std::string service_name = "arbiter";  // the spans' service.name
    bool include_content = false;          // spans may carry the content judged (cut to 4 KiB)

    bool operator==(const TracingConfig&) const = default;
};

// How long the decision log keeps content and rows (service/retention.h); 0: for ever.
struct RetentionRule {
    double content_days = 0;  // then the content and the model's words are erased
    double delete_days = 0;   // then the row is deleted

    bool keeps_everything() const { return content_days == 0 && delete_days == 0; }
    bool operator==(const RetentionRule&) const = default;
};

struct RetentionConfig {
    RetentionRule all;                              // every policy without a rule of its own
    std::map<std::string, RetentionRule> policies;  // by policy id: the fields it names override `all`'s
    size_t batch_rows = 500;                        // rows per transaction
    std::chrono::seconds interval{300};             // between passes

    bool enabled() const {
        return !all.keeps_everything() ||
               std::ranges::any_of(policies, [](const auto& p) { return !p.second.keeps_everything(); });
    }
    bool operator==(const RetentionConfig&) const = default;
};

struct ServiceConfig {
    // This instance's name among several on one database: in stream ids (which say where a stream
    // lives) and as every metric's arbiter_instance label. 1 to 32 of [A-Za-z0-9_-].
    std::string instance = "arbiter";
    std::string host = "127.0.0.1";
    int port = 8080;
    size_t max_body_bytes = size_t{2} * 1024 * 1024;
    size_t max_items = 64;
    int max_content_tokens = 8192;
    size_t queue_depth = 256;
    std::chrono::milliseconds request_timeout{30000};
    // How long an instance's claim on a run lasts unless its progress renews it: after that (its
    // instance died) another instance takes the run over.
    std::chrono::milliseconds run_lease{60000};
    int http_threads = 32;
    size_t max_connections = 4096;
    size_t max_header_bytes = size_t{16} * 1024;
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds body_timeout{30000};
    std::chrono::milliseconds idle_timeout{30000};
    OnTimeout on_timeout = OnTimeout::error;
    bool store_content = true;
    // Every model name /v1/moderations accepts: `default` (every policy unless configured), each
    // set's name, and each alias (a copy of its set, whose `name` is the set's), OpenAI's model
    // names included.
    std::map<std::string, PolicySet> policy_sets = with_model_aliases({});
    std::map<std::string, std::string> perspective_attributes;  // Perspective attribute -> policy id
    size_t perspective_max_text_bytes = 20480;                  // Perspective's own limit
    RateLimit rate_limit;  // each API key's, unless the keys file gives it its own (none: unlimited)
    GatewayConfig gateway;
    McpConfig mcp;
    TracingConfig tracing;
    RetentionConfig retention;
};

// Whether `name` can name an instance: 1 to 32 of [A-Za-z0-9_-] (no dot: a stream id ends
// ".hex" after it).
bool is_instance_name(std::string_view name);

// Throws ConfigError "FILE:LINE: reason".
ServiceConfig load_service_config(const std::filesystem::path& path);

}  // namespace arbiter::service
