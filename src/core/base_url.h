#pragma once
// A server's base URL split into what an HTTP client needs: "https://host:8443/prefix". Shared by
// the remote backend's endpoints and the gateway's upstream.

#include <string>

namespace arbiter {

struct BaseUrl {
    std::string scheme_host_port;  // "https://host:8443"
    std::string path_prefix;       // "/prefix" (no trailing '/'), or empty
};

// Throws std::invalid_argument for anything but an http:// or https:// URL with a host.
BaseUrl parse_base_url(const std::string& url);

}  // namespace arbiter
