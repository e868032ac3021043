#include "cli/cascade_flag.h"

namespace arbiter::cli {

void add_cascade_flag(CLI::App& cmd, std::string& value) {
    cmd.add_option(
           "--cascade", value,
           "Rules, then the fast classifier, then the model (score, and reason when uncertain): auto runs "
           "it when a policy declares rules or a fast tier; on for every policy; off never")
        ->check(CLI::IsMember({"auto", "on", "off"}))
        ->capture_default_str();
}

std::shared_ptr<const cascade::Cascade> make_cascade(
    const std::string& flag, const std::vector<std::shared_ptr<const Policy>>& policies) {
    if (flag == "off") return nullptr;
    if (flag == "on") return std::make_shared<const cascade::Cascade>(policies, true);
    // auto: every policy of a set that declares a cascade, as before; and in any case each
    // policy that declares one, whenever it arrives (a version stored later over the API).
    if (cascade::declares_cascade(policies)) return std::make_shared<const cascade::Cascade>(policies);
    return std::make_shared<const cascade::Cascade>(std::vector<std::shared_ptr<const Policy>>{});
}

}  // namespace arbiter::cli
