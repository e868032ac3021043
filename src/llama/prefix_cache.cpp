#include "llama/prefix_cache.h"

namespace arbiter::engine {

PrefixCache::PrefixCache(int first_seq, int slots)
    : first_seq_(first_seq), slots_(static_cast<size_t>(slots)) {}

std::optional<int> PrefixCache::find(const std::string& key) {
    for (size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].filled && slots_[i].key == key) {
            slots_[i].last_use = ++clock_;
            return first_seq_ + static_cast<int>(i);
        }
    }
    return std::nullopt;
}

PrefixCache::Claim PrefixCache::claim() {
    size_t best = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i].filled) return {first_seq_ + static_cast<int>(i), false};
        if (slots_[i].last_use < slots_[best].last_use) best = i;
    }
    return {first_seq_ + static_cast<int>(best), true};
}

void PrefixCache::store(int seq, std::string key, int tokens) {
    Slot& s = slot(seq);
    s.key = std::move(key);
    s.tokens = tokens;
    s.filled = true;
    s.last_use = ++clock_;
}

void PrefixCache::forget(int seq) {
    slot(seq) = Slot{};
}

int PrefixCache::tokens(int seq) const {
    return slot(seq).tokens;
}

}  // namespace arbiter::engine
