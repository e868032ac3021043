#include "cascade/text_features.h"

#include "cascade/normalize.h"

namespace arbiter::cascade {

namespace {

bool is_ascii_punct(unsigned char c) {
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

// Mixes a 64-bit hash into the top bits, so that taking `bits` of them spreads FNV's weak low
// bits (short n-grams differ only there).
uint32_t bucket(uint64_t h, uint64_t half, int bits) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    const uint64_t within = h >> (64 - (bits - 1));
    return static_cast<uint32_t>(half | within);
}

}  // namespace

std::string fasttext_line(std::string_view text) {
    const std::string norm = normalize(text);
    std::string out;
    out.reserve(norm.size() + norm.size() / 4);
    for (const char ch : norm) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_ascii_punct(c)) {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
            out.push_back(ch);
            out.push_back(' ');
        } else if (ch == ' ') {
            if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
            out.push_back(ch);
        }
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

void hashed_features(std::string_view line, const FeatureSpec& spec, std::vector<uint32_t>& out) {
    const uint64_t char_half = uint64_t{1} << (spec.bits - 1);
    uint64_t previous_word = 0;
    bool have_previous = false;
    size_t pos = 0;
    while (pos < line.size()) {
        size_t end = line.find(' ', pos);
        if (end == std::string_view::npos) end = line.size();
        const std::string_view word = line.substr(pos, end - pos);
        pos = end + 1;
        // Punctuation (split off by fasttext_line) and single letters carry little but noise in a
        // bag of words; scikit-learn's tokeniser drops them too. Measured on ../shared/data.
        if (word.size() < 2) continue;
        uint64_t h = kFnvOffset;
        for (const char c : word) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
        out.push_back(bucket(h, 0, spec.bits));
        if (spec.word_ngrams >= 2 && have_previous)
            out.push_back(bucket((previous_word * 0x9e3779b97f4a7c15ULL) ^ h, 0, spec.bits));
        previous_word = h;
        have_previous = true;
        if (spec.minn <= 0) continue;
        // Character n-grams of "<word>": '<' and '>' mark where the word starts and ends.
        const size_t n = word.size() + 2;
        const auto at = [&](size_t i) -> unsigned char {
            return i == 0 ? '<' : i == n - 1 ? '>' : static_cast<unsigned char>(word[i - 1]);
        };
        for (size_t start = 0; start + static_cast<size_t>(spec.minn) <= n; ++start) {
            uint64_t g = kFnvOffset;
            for (size_t len = 1; len <= static_cast<size_t>(spec.maxn) && start + len <= n; ++len) {
                g = (g ^ at(start + len - 1)) * kFnvPrime;
                if (len >= static_cast<size_t>(spec.minn)) out.push_back(bucket(g, char_half, spec.bits));
            }
        }
    }
}

}  // namespace arbiter::cascade
