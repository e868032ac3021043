#include "mcp/mcp_guard.h"

namespace arbiter::service {

std::optional<std::vector<std::string>> DescriptionVerdicts::find(const std::string& key) const {
    const std::lock_guard lock(mutex_);
    const auto it = flagged_.find(key);
    if (it == flagged_.end()) return std::nullopt;
    return it->second;
}

void DescriptionVerdicts::remember(const std::string& key, std::vector<std::string> flagged) {
    const std::lock_guard lock(mutex_);
    if (flagged_.size() >= kMaxEntries) flagged_.clear();
    flagged_[key] = std::move(flagged);
}

McpGuard::McpGuard(const McpConfig& c)
    : config(c),
      upstream(c.upstream, token_from_env(c.api_key_env), c.timeout, UpstreamClient::Base::exact),
      relays(2 * c.max_streams, 2 * c.max_streams) {}

}  // namespace arbiter::service
