#pragma once
// Erasure of one person's content on request, across every table that holds it: the decision log
// (content and the model's words, the hash and verdict kept), the reviews of those decisions or of
// the same content (they leave labelled sets and exports), and the items of stored runs.

#include <cstddef>
#include <string>

#include "service/service_context.h"

namespace arbiter::service {

struct ErasureCounts {
    size_t decisions = 0;
    size_t reviews = 0;
    size_t runs = 0;
};

// Erases everything `key` names with `value`. Throws StoreError.
ErasureCounts erase_content(ServiceContext& context, storage::ErasureKey key, const std::string& value);

}  // namespace arbiter::service
