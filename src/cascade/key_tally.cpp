#include "cascade/key_tally.h"

#include <algorithm>
#include <bit>

namespace arbiter::cascade {

void KeyTally::count(const std::vector<std::pair<uint64_t, uint32_t>>& keys) {
    // Twice as many slots as keys: at most half full (a short text's keys are mostly distinct).
    const size_t slots = std::bit_ceil(std::max<size_t>(64, 2 * keys.size()));
    if (slots_.size() < slots) {
        slots_.assign(slots, Entry{});
        stamp_ = 0;
    }
    if (++stamp_ == 0) {  // wrapped: no slot may still carry the new stamp from long ago
        std::fill(slots_.begin(), slots_.end(), Entry{});
        stamp_ = 1;
    }
    distinct_.resize(keys.size());
    // Locals, not members, in the loop: its stores through `table` could alias the members, and
    // the compiler would reload them for every key.
    Entry* const table = slots_.data();
    uint32_t* const distinct = distinct_.data();
    const size_t mask = slots - 1;
    const uint32_t stamp = stamp_;
    size_t n = 0;
    for (const auto& [key, times] : keys) {
        size_t i = (key >> 1) & mask;  // the lowest bit is the block (text_features.h)
        // One test (&, not &&): a collision is rare, so the loop is predicted not taken.
        while ((table[i].stamp == stamp) & (table[i].key != key)) i = (i + 1) & mask;
        Entry& e = table[i];
        // No branch on whether the key is new: a coin toss per n-gram, and mispredicting it cost
        // more than the memory.
        const bool fresh = e.stamp != stamp;
        distinct[n] = static_cast<uint32_t>(i);
        n += fresh ? 1 : 0;
        e.count = fresh ? times : e.count + times;
        e.key = key;
        e.stamp = stamp;
    }
    distinct_.resize(n);
}

}  // namespace arbiter::cascade
