#include "testmodel/rank_merges.h"

#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_map>

namespace arbiter::testmodel {

std::vector<std::pair<std::string, std::string>> merges_from_ranks(const std::vector<std::string>& ranked) {
    std::unordered_map<std::string_view, size_t> rank_of;
    rank_of.reserve(ranked.size());
    for (size_t r = 0; r < ranked.size(); ++r) rank_of.emplace(ranked[r], r);

    std::vector<std::pair<std::string, std::string>> merges;
    std::vector<size_t> starts;  // where each part of the token begins; parts are contiguous
    for (size_t rank = 0; rank < ranked.size(); ++rank) {
        const std::string_view token = ranked[rank];
        if (token.size() < 2) continue;
        starts.clear();
        for (size_t i = 0; i < token.size(); ++i) starts.push_back(i);
        const auto part_end = [&](size_t i) { return i + 1 < starts.size() ? starts[i + 1] : token.size(); };

        // BPE over the lower ranks: merge the adjacent pair whose union ranks lowest, until none
        // ranks below the token itself.
        while (starts.size() > 2) {
            size_t best = std::numeric_limits<size_t>::max();
            size_t best_at = 0;
            for (size_t i = 0; i + 1 < starts.size(); ++i) {
                const auto it = rank_of.find(token.substr(starts[i], part_end(i + 1) - starts[i]));
                if (it != rank_of.end() && it->second < best) {
                    best = it->second;
                    best_at = i;
                }
            }
            if (best >= rank) break;
            starts.erase(starts.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
        }
        if (starts.size() != 2 || !rank_of.contains(token.substr(0, starts[1])) ||
            !rank_of.contains(token.substr(starts[1]))) {
            throw std::invalid_argument("token of rank " + std::to_string(rank) +
                                        " does not reduce to two lower-ranked tokens");
        }
        merges.emplace_back(std::string(token.substr(0, starts[1])), std::string(token.substr(starts[1])));
    }
    return merges;
}

}  // namespace arbiter::testmodel
