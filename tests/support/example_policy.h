#pragma once
// A policy of examples/policies by name, as the engine tests judge with.

#include <memory>
#include <string>

#include "core/policy.h"
#include "core/policy_file.h"

namespace arbiter::test {

inline std::shared_ptr<const Policy> example_policy(const std::string& name) {
    return std::make_shared<const Policy>(
        load_policy_file(ARBITER_SOURCE_DIR "/examples/policies/" + name + ".md"));
}

}  // namespace arbiter::test
