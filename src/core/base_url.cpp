#include "core/base_url.h"

#include <stdexcept>

namespace arbiter {

BaseUrl parse_base_url(const std::string& url) {
    const size_t scheme_end = url.find("://");
    const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https")
        throw std::invalid_argument("endpoint '" + url + "' must start with http:// or https://");
    const size_t host_begin = scheme_end + 3;
    const size_t path_begin = url.find('/', host_begin);
    BaseUrl base;
    base.scheme_host_port = url.substr(0, path_begin);
    if (base.scheme_host_port.size() == host_begin)
        throw std::invalid_argument("endpoint '" + url + "' has no host");
    if (path_begin != std::string::npos) {
        base.path_prefix = url.substr(path_begin);
        while (!base.path_prefix.empty() && base.path_prefix.back() == '/') base.path_prefix.pop_back();
    }
    return base;
}

}  // namespace arbiter
