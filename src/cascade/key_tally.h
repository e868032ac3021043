#pragma once
// How many times each distinct 64-bit key occurs in one text: the linear fast tier's counts of
// n-grams (and of words, whose n-grams are then taken once). An open-addressing table small
// enough to stay in cache, reused from text to text: slots are stamped with the text they belong
// to, so nothing is cleared between texts, and a text uses only the slots it needs (a long text
// before it must not spread a short one over more memory). Scoring an item is mostly this and
// the model's table (linear_model.h), so the loop keeps its state in locals and avoids branches
// that a text's keys cannot predict.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace arbiter::cascade {

class KeyTally {
public:
    struct Entry {
        uint64_t key = 0;
        uint32_t count = 0;
        uint32_t stamp = 0;  // the text it was counted for
    };

    // Counts one text's keys, each occurring `second` times; forgets the text before.
    void count(const std::vector<std::pair<uint64_t, uint32_t>>& keys);

    // The distinct keys, in the order they first occur.
    size_t size() const { return distinct_.size(); }
    const Entry& operator[](size_t i) const { return slots_[distinct_[i]]; }

private:
    std::vector<Entry> slots_;
    std::vector<uint32_t> distinct_;  // slot of each distinct key
    uint32_t stamp_ = 0;
};

}  // namespace arbiter::cascade
