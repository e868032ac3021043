#pragma once
// What every command that classifies shares (classify, eval, serve): the policies read from
// files and folders, and the backend jobs go to, with the cascade in front when there is one.

#include <memory>
#include <string>
#include <vector>

#include "cascade/cascade_backend.h"
#include "cli/backend_flags.h"

namespace arbiter::cli {

// The policies in `paths` (files or folders of them). Throws PolicyError for one that cannot be
// read and for an id given twice.
std::vector<std::shared_ptr<const Policy>> load_policy_files(const std::vector<std::string>& paths);

class Pipeline {
public:
    // Starts the backend `settings` chose, behind `cascade` unless it is null. Throws
    // BackendError when the backend cannot start.
    Pipeline(const BackendSettings& settings, std::shared_ptr<const cascade::Cascade> cascade);

    Backend& backend() { return cascaded_ ? static_cast<Backend&>(*cascaded_) : *engine_; }
    // The engine's stream sessions, where it keeps them (the embedded engine); null elsewhere.
    // Streams skip the cascade: its tiers judge whole texts, not growing ones.
    StreamBackend* streams() { return dynamic_cast<StreamBackend*>(engine_.get()); }

private:
    std::unique_ptr<Backend> engine_;
    std::unique_ptr<cascade::CascadeBackend> cascaded_;  // destroyed first: it holds engine_
};

}  // namespace arbiter::cli
