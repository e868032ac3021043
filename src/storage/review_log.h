#pragma once
// Labels people (or their tools) give content for a policy: the ground truth eval measures a
// policy version against. Each review names who gave it, when, through what (the review console,
// Perspective's suggestscore), and the policy version it was given for; a review given in the
// console's queue also names the logged decision it judged. Kept beside the decision log in the
// same SQLite file; this class owns the `reviews` table.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.h"

namespace arbiter::storage {

struct Review {
    int64_t id = 0;  // assigned by add()
    std::string created_at;
    std::string policy_id;
    int policy_version = 0;
    std::string content_json;  // the content reviewed, as the decision log stores it
    std::string content_sha256;
    bool violation = false;       // the label
    std::optional<double> score;  // a graded label, where the source gives one
    std::string reviewer;         // the API key's name, or "anonymous" without keys
    std::string source;           // e.g. "perspective:suggestscore"
    std::string note;
    std::optional<int64_t> decision_id;  // the logged decision reviewed, where there was one
};

// The source of a score suggested through Perspective's suggestscore by a key that may not review
// (a classify key): kept, but a suggestion, not a label. It never counts in a labelled set or the
// review export, so a client cannot outvote the people who review.
inline constexpr std::string_view kSuggestionSource = "perspective:suggestion";

// Whether `review` is a person's (or a reviewing key's) label rather than a suggestion.
inline bool is_label(const Review& review) {
    return review.source != kSuggestionSource;
}

// What an erased review keeps as its content: JSON null, which no content ever is.
inline constexpr std::string_view kErasedContent = "null";

// One item of a policy's labelled set: its reviewers' majority label (a tie: the latest review's).
// Each reviewer counts once, by their latest label of the content, however often they gave one.
struct LabelledItem {
    const Review* first = nullptr;  // the item's first review: its id and content
    bool violation = false;
    std::vector<std::string> reviewers;
    size_t reviews = 0;  // the labels counted: one per reviewer
    bool tie = false;
};

// `reviews` (one policy's, oldest first) as a labelled set: one item per content, by its hash, in
// the order each content was first labelled; suggestions are left out. The items point into
// `reviews`.
std::vector<LabelledItem> labelled_set(const std::vector<Review>& reviews);

// A labelled item's id wherever the set is shown or measured (the export, runs, `arbiter eval
// --reviewed`): "decision-12" for content reviewed from the log, else "review-7", from its first
// review.
std::string labelled_item_id(const Review& first);

struct ErasedReviews {
    std::vector<int64_t> ids;
    size_t newly_erased = 0;  // of `ids`, those whose content was still kept
};

class ReviewLog {
public:
    // Opens (creating the table where missing). Throws StoreError.
    explicit ReviewLog(const std::string& location);

    // Stores `review` and returns its id. Throws StoreError.
    int64_t add(const Review& review);
    // The reviews of `policy_id`, oldest first.
    std::vector<Review> of_policy(const std::string& policy_id);
    // The reviews of one logged decision, oldest first.
    std::vector<Review> of_decision(int64_t decision_id);
    // Erases the content and note of the reviews of `decisions` or of content hashing to one of
    // `hashes` (service/content_erasure.h): the label, reviewer and hash stay; the review leaves
    // labelled sets. Returns every review they name, erased now or before.
    ErasedReviews erase(const std::vector<int64_t>& decisions, const std::vector<std::string>& hashes);

private:
    std::vector<Review> select(std::string_view where, const std::function<void(Statement&)>& bind);

    std::mutex mutex_;
    Database db_;
};

}  // namespace arbiter::storage
