#pragma once
// A generated, learnable training set for the fast classifier: scam messages (violations) use
// words from one vocabulary, ordinary messages from another, both padded with shared filler.

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "cascade/fast_classifier.h"

namespace arbiter::test {

inline std::vector<cascade::Example> scam_examples(size_t n, uint32_t seed) {
    const std::vector<std::string> scam = {"wire",   "transfer", "gift",   "card",   "prize",
                                           "winner", "claim",    "urgent", "verify", "bank",
                                           "refund", "crypto",   "wallet", "lottery"};
    const std::vector<std::string> ham = {"meeting", "lunch",    "report",  "weather", "garden",
                                          "recipe",  "football", "holiday", "school",  "movie",
                                          "coffee",  "train",    "library", "music"};
    const std::vector<std::string> filler = {"the", "a",   "please", "today", "we",   "you",     "my",
                                             "is",  "for", "and",    "this",  "with", "tomorrow"};
    std::mt19937 rng(seed);
    const auto pick = [&](const std::vector<std::string>& words) {
        return words[std::uniform_int_distribution<size_t>(0, words.size() - 1)(rng)];
    };
    std::vector<cascade::Example> out;
    for (size_t i = 0; i < n; ++i) {
        const bool violation = i % 3 == 0;
        std::string text;
        const int length = std::uniform_int_distribution<int>(8, 16)(rng);
        for (int w = 0; w < length; ++w) {
            if (!text.empty()) text += ' ';
            // Mostly class words, some from the other class, so the task is not trivial.
            const int r = std::uniform_int_distribution<int>(0, 19)(rng);
            if (r < 10)
                text += pick(filler);
            else if (r < 19)
                text += pick(violation ? scam : ham);
            else
                text += pick(violation ? ham : scam);
        }
        out.push_back({text, violation});
    }
    return out;
}

}  // namespace arbiter::test
