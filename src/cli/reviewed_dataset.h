#pragma once
// `arbiter eval --reviewed DB`: the labelled sets that people built in the review console (the
// reviews in a database, a SQLite file or a postgresql:// URL) as the dataset to measure policies
// on, exactly as the console's labelled sets and its runs count them (storage/review_log.h).

#include <cstddef>
#include <string>
#include <vector>

#include "eval/dataset.h"
#include "eval/label_map.h"

namespace arbiter::cli {

// One item per reviewed content, labelled for each of `policy_ids` that has it in its labelled
// set (a label named by the policy's id; unknown for the others); ids as the console names them
// ("decision-12", "review-7"). At most `limit` items (0: all). Throws eval::DatasetError (no such
// file, nothing reviewed, content that cannot be read back) or StoreError.
eval::Dataset reviewed_dataset(const std::string& location, const std::vector<std::string>& policy_ids,
                               size_t limit);

// Each policy judged against its own label only.
eval::LabelMap own_labels(const std::vector<std::string>& policy_ids);

}  // namespace arbiter::cli
