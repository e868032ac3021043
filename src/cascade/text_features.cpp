#include "cascade/text_features.h"

#include <utf8proc.h>

#include <array>
#include <string>
#include <vector>

#include "core/utf8.h"

namespace arbiter::cascade {

namespace {

using Keys = std::vector<std::pair<uint64_t, uint32_t>>;

constexpr uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;

uint64_t fnv(uint64_t h, unsigned char c) {
    return (h ^ c) * kFnvPrime;
}

uint64_t fnv(uint64_t h, std::string_view bytes) {
    for (const char c : bytes) h = fnv(h, static_cast<unsigned char>(c));
    return h;
}

// FNV-1a alone leaves short strings differing in few bits; the finaliser (MurmurHash3's) spreads
// them over all 64, and the model's table indexes by the high bits.
uint64_t finish(uint64_t h, Block block) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (h & ~uint64_t{1}) | static_cast<uint64_t>(block);
}

// Bytes of the UTF-8 sequence a lead byte starts (normalize() writes valid UTF-8 only).
size_t sequence_length(unsigned char lead) {
    return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

constexpr std::array<bool, 128> kAsciiWord = [] {
    std::array<bool, 128> t{};
    for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = true;
    t['_'] = true;
    return t;
}();

// Python's \w: '_' and what str.isalnum() accepts (letters and numbers of any script).
bool is_word_char(std::string_view s, size_t pos, size_t len) {
    const auto lead = static_cast<unsigned char>(s[pos]);
    if (lead < 0x80) return kAsciiWord[lead];
    utf8proc_int32_t cp = 0;
    utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + pos),
                     static_cast<utf8proc_ssize_t>(len), &cp);
    return is_letter_or_number(static_cast<char32_t>(cp));
}

// Word tokens (runs of two or more word characters) and the bigrams of consecutive tokens.
void word_keys(std::string_view text, int word_ngrams, Keys& out) {
    uint64_t previous = 0;  // FNV state after the previous token, so that a bigram's key is its text's
    bool have_previous = false;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t len = sequence_length(static_cast<unsigned char>(text[pos]));
        if (!is_word_char(text, pos, len)) {
            pos += len;
            continue;
        }
        const size_t start = pos;
        size_t chars = 0;
        while (pos < text.size() && is_word_char(text, pos, len)) {
            pos += len;
            ++chars;
            if (pos < text.size()) len = sequence_length(static_cast<unsigned char>(text[pos]));
        }
        if (chars < 2) continue;
        const std::string_view token = text.substr(start, pos - start);
        const uint64_t h = fnv(kFnvOffset, token);
        out.emplace_back(finish(h, Block::words), 1);
        if (word_ngrams >= 2 && have_previous)
            out.emplace_back(finish(fnv(fnv(previous, ' '), token), Block::words), 1);
        previous = h;
        have_previous = true;
    }
}

// How often each ASCII character occurs as a 1-gram: counted here rather than one key per
// occurrence, since a handful of them make a quarter of a text's n-grams.
using Singles = std::array<uint32_t, 128>;

// Character n-grams of one word padded with a space each side, `times` times (the word's
// count): every run of minn..maxn code points (a padded word shorter than minn counts once,
// whole, as scikit-learn counts it).
void char_keys(std::string_view word, uint32_t times, int minn, int maxn, std::vector<uint32_t>& starts,
               Singles& singles, Keys& out) {
    starts.clear();  // byte offset of each code point of the padded word, and its end
    starts.push_back(0);
    for (size_t pos = 0; pos < word.size(); pos += sequence_length(static_cast<unsigned char>(word[pos])))
        starts.push_back(static_cast<uint32_t>(pos + 1));
    starts.push_back(static_cast<uint32_t>(word.size() + 1));
    starts.push_back(static_cast<uint32_t>(word.size() + 2));
    const size_t m = starts.size() - 1;  // code points, padding included
    const auto bytes_of = [&](size_t i) {
        return i == 0 || i == m - 1 ? std::string_view(" ")
                                    : word.substr(starts[i] - 1, starts[i + 1] - starts[i]);
    };
    if (m < static_cast<size_t>(minn)) {
        uint64_t h = kFnvOffset;
        for (size_t i = 0; i < m; ++i) h = fnv(h, bytes_of(i));
        out.emplace_back(finish(h, Block::chars), times);
        return;
    }
    for (size_t start = 0; start + static_cast<size_t>(minn) <= m; ++start) {
        const std::string_view first = bytes_of(start);
        uint64_t h = fnv(kFnvOffset, first);
        size_t len = 1;
        if (minn == 1) {
            if (first.size() == 1)
                singles[static_cast<unsigned char>(first[0])] += times;
            else
                out.emplace_back(finish(h, Block::chars), times);
        }
        for (++len; len <= static_cast<size_t>(maxn) && start + len <= m; ++len) {
            h = fnv(h, bytes_of(start + len - 1));
            if (len >= static_cast<size_t>(minn)) out.emplace_back(finish(h, Block::chars), times);
        }
    }
}

}  // namespace

uint64_t feature_key(Block block, std::string_view feature) {
    return finish(fnv(kFnvOffset, feature), block);
}

void count_features(std::string_view normalized, const FeatureSpec& spec, KeyTally& out) {
    thread_local Keys keys;
    keys.clear();
    word_keys(normalized, spec.word_ngrams, keys);
    if (spec.minn > 0) {
        // Each distinct word's n-grams once, counted as often as the word occurs: a third of a
        // text's words are repeats, whose n-grams would all be hashed and counted again.
        thread_local Keys words;
        thread_local KeyTally distinct_words;
        thread_local std::vector<std::string_view> text_of;  // by the word's key
        thread_local std::vector<uint32_t> starts;
        static const std::array<uint64_t, 128> kSingleKeys = [] {
            std::array<uint64_t, 128> t{};
            for (size_t c = 0; c < t.size(); ++c)
                t[c] = feature_key(Block::chars, std::string(1, static_cast<char>(c)));
            return t;
        }();
        Singles singles{};
        words.clear();
        text_of.clear();
        size_t pos = 0;
        while (pos < normalized.size()) {
            size_t end = normalized.find(' ', pos);
            if (end == std::string_view::npos) end = normalized.size();
            if (end > pos) {
                text_of.push_back(normalized.substr(pos, end - pos));
                words.emplace_back(finish(fnv(kFnvOffset, text_of.back()), Block::chars), 1);
            }
            pos = end + 1;
        }
        distinct_words.count(words);
        // The first occurrence of each distinct word, found by its key.
        size_t next = 0;
        for (size_t i = 0; i < distinct_words.size(); ++i) {
            while (words[next].first != distinct_words[i].key) ++next;
            char_keys(text_of[next], distinct_words[i].count, spec.minn, spec.maxn, starts, singles, keys);
        }
        for (size_t c = 0; c < singles.size(); ++c)
            if (singles[c] > 0) keys.emplace_back(kSingleKeys[c], singles[c]);
    }
    out.count(keys);
}

}  // namespace arbiter::cascade
