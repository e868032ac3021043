#include "cli/serve_reload.h"

#include <cstdio>
#include <optional>
#include <stdexcept>

#include "core/base_url.h"
#include "core/policy_file.h"
#include "core/store_error.h"
#include "http/api_keys.h"

namespace arbiter::cli {

namespace {

void say(const std::string& message) {
    std::fprintf(stderr, "arbiter serve: SIGHUP: %s\n", message.c_str());
}

// Everything a reload reads, read and checked before any of it is put in force.
struct Reread {
    service::ServiceConfig config;
    std::vector<Policy> policies;
    std::optional<service::ApiKeys> keys;
};

// Throws what the sources' readers throw, with the source named.
Reread reread(const ReloadSources& sources) {
    Reread r;
    r.config = sources.read_config();
    r.policies = load_policies(sources.policies);
    for (const Policy& policy : r.policies) {
        try {
            if (sources.check_policy) sources.check_policy(policy);
        } catch (const PolicyError& e) {
            throw PolicyError(sources.policies + ": policy '" + policy.id + "': " + e.what());
        }
    }
    if (!sources.api_keys.empty()) r.keys = service::ApiKeys::load(sources.api_keys);
    return r;
}

}  // namespace

std::string missing_reference(const service::ServiceConfig& config, const storage::PolicyStore& store) {
    for (const auto& [name, set] : config.policy_sets) {
        for (const std::string& id : set.policies) {
            if (!store.current(id))
                return "policy set '" + name + "' names policy '" + id + "', which is not loaded";
        }
    }
    const service::GatewayConfig& gateway = config.gateway;
    const service::McpConfig& mcp = config.mcp;
    for (const auto& [upstream, flag] :
         {std::pair{&gateway.upstream, "--upstream"}, {&mcp.upstream, "--mcp-upstream"}}) {
        try {
            if (!upstream->empty()) parse_base_url(*upstream);
        } catch (const std::invalid_argument& e) {
            return std::string(flag) + ": " + e.what();
        }
    }
    const std::vector<std::pair<const std::optional<std::vector<std::string>>*, const char*>> lists = {
        {&gateway.input_policies, "gateway"}, {&gateway.output_policies, "gateway"}, {&mcp.policies, "mcp"}};
    for (const auto& [ids, section] : lists) {
        for (const std::string& id : ids->value_or(std::vector<std::string>{})) {
            if (!store.current(id))
                return std::string(section) + " names policy '" + id + "', which is not loaded";
        }
    }
    return {};
}

void reload(const ReloadSources& sources, service::Server& server, Stores& stores) {
    Reread r;
    try {
        r = reread(sources);
    } catch (const std::exception& e) {
        say(std::string(e.what()) + "; nothing was reloaded");
        return;
    }
    try {
        const size_t added = stores.policies.seed(r.policies);
        say(std::to_string(added) + " new policy version" + (added == 1 ? "" : "s") + " from " +
            sources.policies);
    } catch (const std::exception& e) {  // the database is away, say
        say(std::string("the policies could not be stored: ") + e.what() + "; nothing was reloaded");
        return;
    }
    if (const std::string missing = missing_reference(r.config, stores.policies); !missing.empty()) {
        say(missing + "; the settings in force are kept");
    } else {
        for (const std::string& name : server.replace_settings(std::move(r.config)))
            say(name + " changed: it takes effect at the next start");
        say("settings reloaded");
    }
    if (r.keys) {
        server.replace_keys(std::move(*r.keys));
        say("keys reloaded from " + sources.api_keys);
    }
}

}  // namespace arbiter::cli
