#pragma once
// Which policy prefixes are evaluated, in which KV sequence, and which to evict next.
// Bookkeeping only: the engine does the llama.cpp work.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace arbiter::engine {

class PrefixCache {
public:
    // `first_seq` .. `first_seq + slots - 1` are the sequences reserved for prefixes.
    PrefixCache(int first_seq, int slots);

    // The sequence holding `key` (the rendered prefix), marked most recently used.
    std::optional<int> find(const std::string& key);

    struct Claim {
        int seq;
        bool evicted;  // the sequence held another prefix, which the caller must clear
    };
    // A sequence for a new prefix: a free one, else the least recently used. The caller
    // evaluates the prefix into it, then calls `store`.
    Claim claim();
    void store(int seq, std::string key, int tokens);
    // Forgets what a sequence held (after a failed evaluation).
    void forget(int seq);

    int tokens(int seq) const;

private:
    struct Slot {
        std::string key;
        int tokens = 0;
        uint64_t last_use = 0;
        bool filled = false;
    };
    Slot& slot(int seq) { return slots_[static_cast<size_t>(seq - first_seq_)]; }
    const Slot& slot(int seq) const { return slots_[static_cast<size_t>(seq - first_seq_)]; }

    int first_seq_;
    std::vector<Slot> slots_;
    uint64_t clock_ = 0;
};

}  // namespace arbiter::engine
