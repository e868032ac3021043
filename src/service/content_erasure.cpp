#include "service/content_erasure.h"

#include <set>

namespace arbiter::service {

ErasureCounts erase_content(ServiceContext& context, storage::ErasureKey key, const std::string& value) {
    const storage::ErasedDecisions decisions = context.log.erase(key, value);
    // By hash too when the request named the content itself: a review given outside the log
    // (Perspective's suggestscore) holds the same text.
    std::vector<std::string> hashes = decisions.hashes;
    if (key == storage::ErasureKey::content_sha256 && hashes.empty()) hashes.push_back(value);
    const storage::ErasedReviews reviews = context.reviews.erase(decisions.ids, hashes);
    // Runs name their items after the decision or the first review they came from.
    std::set<std::string> items;
    for (const int64_t id : decisions.ids) items.insert("decision-" + std::to_string(id));
    for (const int64_t id : reviews.ids) items.insert("review-" + std::to_string(id));
    const size_t runs = context.runs.erase_items(items);
    context.log.reclaim_space();
    return {decisions.newly_erased, reviews.newly_erased, runs};
}

}  // namespace arbiter::service
