#include "eval/label_map.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

namespace arbiter::eval {

LabelMap read_label_map(const std::filesystem::path& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path.string());
    } catch (const YAML::BadFile&) {
        throw DatasetError(path.string() + ": cannot be read");
    } catch (const YAML::Exception& e) {
        throw DatasetError(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    if (!root.IsMap()) throw DatasetError(path.string() + ": expected policy: [labels] pairs");
    LabelMap map;
    for (const auto& entry : root) {
        const std::string policy = entry.first.Scalar();
        const int line = entry.first.Mark().line + 1;
        const YAML::Node& labels = entry.second;
        if (labels.IsScalar()) {
            map[policy] = {labels.Scalar()};
        } else if (labels.IsSequence() && labels.size() > 0) {
            for (const auto& l : labels) {
                if (!l.IsScalar())
                    throw DatasetError(path.string() + ":" + std::to_string(line) + ": labels must be names");
                map[policy].push_back(l.Scalar());
            }
        } else {
            throw DatasetError(path.string() + ":" + std::to_string(line) + ": '" + policy +
                               "' needs a label or a list of labels");
        }
    }
    return map;
}

std::optional<bool> gold_label(const LabeledItem& item, const std::string& policy_id, const LabelMap& map) {
    const auto mapped = map.find(policy_id);
    bool unknown = false;
    bool any = false;
    for (const Label& l : item.labels) {
        if (mapped != map.end() &&
            std::find(mapped->second.begin(), mapped->second.end(), l.name) == mapped->second.end()) {
            continue;
        }
        any = true;
        if (!l.value) {
            unknown = true;
        } else if (*l.value) {
            return true;
        }
    }
    if (!any || unknown) return std::nullopt;
    return false;
}

}  // namespace arbiter::eval
