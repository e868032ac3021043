#pragma once
// Which dataset labels stand for which policy, from a small YAML file:
//
//   spam: [S]
//   hate-speech: [H, H2]
//
// A policy the map does not name (or every policy, without a map) takes "any label positive".

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eval/dataset.h"

namespace arbiter::eval {

using LabelMap = std::map<std::string, std::vector<std::string>>;

// Throws DatasetError naming the file and line.
LabelMap read_label_map(const std::filesystem::path& path);

// The item's gold label for a policy: positive when any of its labels is; unknown when none is
// and some are unknown (it cannot be called negative); negative otherwise.
std::optional<bool> gold_label(const LabeledItem& item, const std::string& policy_id, const LabelMap& map);

}  // namespace arbiter::eval
