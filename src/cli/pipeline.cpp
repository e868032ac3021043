#include "cli/pipeline.h"

#include <set>

#include "core/policy_file.h"

namespace arbiter::cli {

std::vector<std::shared_ptr<const Policy>> load_policy_files(const std::vector<std::string>& paths) {
    std::vector<std::shared_ptr<const Policy>> policies;
    std::set<std::string> ids;
    for (const std::string& path : paths) {
        for (Policy& p : load_policies(path)) {
            if (!ids.insert(p.id).second) throw PolicyError(path + ": policy id '" + p.id + "' given twice");
            policies.push_back(std::make_shared<const Policy>(std::move(p)));
        }
    }
    return policies;
}

Pipeline::Pipeline(const BackendSettings& settings, std::shared_ptr<const cascade::Cascade> cascade)
    : engine_(make_backend(settings)) {
    if (cascade) cascaded_ = std::make_unique<cascade::CascadeBackend>(*engine_, std::move(cascade));
}

}  // namespace arbiter::cli
