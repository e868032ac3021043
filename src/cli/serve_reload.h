#pragma once
// What `arbiter serve` reads again on SIGHUP, without a restart and without dropping a request in
// flight: the policy folder (a changed file becomes the policy's next version, as at start), the
// configuration's policy sets, limits per request and timeouts, and the keys file. Settings that
// take a restart (the listener, the transport's limits, the queue's depth, the gateway) are named
// in the log and left as they are. A reload that finds something wrong (a file that does not
// parse, rules that do not compile, a policy set naming a policy nobody has) changes nothing it
// had not yet put in force, and says why.

#include <functional>
#include <string>

#include "cli/serve_stores.h"
#include "server/server.h"
#include "service/service_config.h"

namespace arbiter::cli {

struct ReloadSources {
    // The configuration as at start: the --config file with the flags that override it. Throws
    // service::ConfigError.
    std::function<service::ServiceConfig()> read_config;
    std::string policies;  // the policy file or folder
    std::string api_keys;  // the keys file; empty: keys are not from a file
    // Refuses a policy (PolicyError) as a PUT would: its rules must compile.
    std::function<void(const Policy&)> check_policy;
};

// What the configuration names that the store does not hold ("" when nothing): a policy set's or
// the gateway's policy, or an upstream that is no URL.
std::string missing_reference(const service::ServiceConfig& config, const storage::PolicyStore& store);

// Reads the sources again and puts them in force on `server`, logging to stderr what it did.
// Never throws.
void reload(const ReloadSources& sources, service::Server& server, Stores& stores);

}  // namespace arbiter::cli
