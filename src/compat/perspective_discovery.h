#pragma once
// The discovery document (Google's API description format) of the Perspective API as arbiter
// serves it, so that Google's generated clients (googleapis for Node, googleapiclient for Python)
// work against arbiter with only their discovery URL changed.

#include <nlohmann/json.hpp>
#include <string>

namespace arbiter::service {

// The document with `root_url` ("http://host:port/") as the base of every method.
nlohmann::ordered_json perspective_discovery(const std::string& root_url);

}  // namespace arbiter::service
