#include "cli/reviewed_dataset.h"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/content_json.h"
#include "storage/database.h"
#include "storage/review_log.h"

namespace arbiter::cli {

namespace {

Content content_of(const storage::Review& first, const std::string& id) {
    try {
        return content_from_json(nlohmann::json::parse(first.content_json));
    } catch (const std::exception& e) {
        throw eval::DatasetError(id + ": its stored content cannot be read back (" + e.what() + ")");
    }
}

}  // namespace

eval::Dataset reviewed_dataset(const std::string& location, const std::vector<std::string>& policy_ids,
                               size_t limit) {
    // Opening a store makes its tables: a mistyped file name must not become an empty database.
    if (!storage::is_postgres_url(location) && !std::filesystem::exists(location))
        throw eval::DatasetError(location + ": no such database file");
    storage::ReviewLog log(location);
    eval::Dataset dataset;
    dataset.format = "reviews";
    dataset.label_names = policy_ids;
    std::map<std::string, size_t> by_content;  // content SHA-256 -> item
    for (size_t p = 0; p < policy_ids.size(); ++p) {
        const std::vector<storage::Review> reviews = log.of_policy(policy_ids[p]);
        for (const storage::LabelledItem& labelled : storage::labelled_set(reviews)) {
            const storage::Review& first = *labelled.first;
            auto [at, added] = by_content.try_emplace(first.content_sha256, dataset.items.size());
            if (added) {
                if (limit > 0 && dataset.items.size() == limit) {
                    by_content.erase(at);
                    continue;
                }
                const std::string id = storage::labelled_item_id(first);
                eval::LabeledItem item{id, content_of(first, id), {}};
                for (const std::string& name : policy_ids) item.labels.push_back({name, std::nullopt});
                dataset.items.push_back(std::move(item));
            }
            dataset.items[at->second].labels[p].value = labelled.violation;
        }
    }
    if (dataset.items.empty())
        throw eval::DatasetError(storage::without_password(location) +
                                 ": no reviewed items for these policies: review some of their decisions "
                                 "first (the console's Review queue)");
    return dataset;
}

eval::LabelMap own_labels(const std::vector<std::string>& policy_ids) {
    eval::LabelMap map;
    for (const std::string& id : policy_ids) map[id] = {id};
    return map;
}

}  // namespace arbiter::cli
