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
//   policy_sets:                  # /v1/moderations "model" names one; default: every policy
//     default:
//       policies: [spam, hate-speech]
//       mode: score               # score (default) | reason
//       threshold: 0.5            # flagged when P(violation) >= threshold (score mode)
//       on_timeout: fail_closed
//   backend: ...                  # the engine's settings, read by the backend configuration
//
// Unknown keys are errors: a misspelt limit must not silently fall back to a default.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/backend.h"
#include "core/policy.h"

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

struct PolicySet {
    std::vector<std::string> policies;  // empty: every policy the server has
    Mode mode = Mode::score;
    double threshold = 0.5;
    std::optional<OnTimeout> on_timeout;  // default: the server's
};

struct ServiceConfig {
    std::string host = "127.0.0.1";
    int port = 8080;
    size_t max_body_bytes = size_t{2} * 1024 * 1024;
    size_t max_items = 64;
    int max_content_tokens = 8192;
    size_t queue_depth = 256;
    std::chrono::milliseconds request_timeout{30000};
    int http_threads = 32;
    size_t max_connections = 4096;
    size_t max_header_bytes = size_t{16} * 1024;
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds body_timeout{30000};
    std::chrono::milliseconds idle_timeout{30000};
    OnTimeout on_timeout = OnTimeout::error;
    bool store_content = true;
    std::map<std::string, PolicySet> policy_sets;
};

// Throws ConfigError "FILE:LINE: reason".
ServiceConfig load_service_config(const std::filesystem::path& path);

}  // namespace arbiter::service
