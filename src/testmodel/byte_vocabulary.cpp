#include "testmodel/vocabulary.h"

#include <set>
#include <string_view>

#include "harmony/special_tokens.h"

namespace arbiter::testmodel {

namespace {

// Words whose space-prefixed spelling gets its own chain of merges. Common English plus the
// vocabulary of moderation policies, so that the example policies tokenize compactly.
constexpr std::string_view kWords[] = {
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "is",
    "that",
    "for",
    "it",
    "as",
    "with",
    "be",
    "on",
    "not",
    "this",
    "are",
    "or",
    "by",
    "an",
    "from",
    "at",
    "which",
    "but",
    "have",
    "has",
    "was",
    "all",
    "any",
    "can",
    "if",
    "one",
    "will",
    "you",
    "your",
    "they",
    "their",
    "them",
    "we",
    "our",
    "do",
    "does",
    "no",
    "yes",
    "so",
    "than",
    "then",
    "there",
    "these",
    "those",
    "what",
    "when",
    "where",
    "who",
    "why",
    "how",
    "about",
    "into",
    "out",
    "up",
    "other",
    "some",
    "such",
    "only",
    "also",
    "more",
    "most",
    "may",
    "must",
    "should",
    "would",
    "could",
    "each",
    "every",
    "user",
    "users",
    "content",
    "message",
    "messages",
    "policy",
    "policies",
    "violation",
    "violates",
    "violating",
    "safe",
    "unsafe",
    "harm",
    "harmful",
    "hate",
    "hateful",
    "speech",
    "spam",
    "self",
    "threat",
    "threats",
    "violence",
    "violent",
    "sexual",
    "abuse",
    "attack",
    "people",
    "person",
    "group",
    "groups",
    "label",
    "labels",
    "example",
    "examples",
    "rule",
    "rules",
    "output",
    "answer",
    "return",
    "json",
    "category",
    "instructions",
    "definitions",
    "text",
    "post",
    "posts",
    "comment",
    "request",
    "requests",
    "information",
    "promote",
    "promotion",
    "links",
    "link",
    "advertising",
    "unsolicited",
    "repeated",
    "protected",
    "characteristics",
    "race",
    "religion",
    "gender",
    "identity",
    "slurs",
    "dehumanizing",
    "suicide",
    "injury",
    "methods",
    "support",
    "help",
    "crisis",
    "resources",
    "encourage",
    "instructions",
    "discuss",
    "discussion",
    "news",
    "education",
    "educational",
    "reporting",
    "context",
    "classify",
    "classification",
    "ambiguous",
    "escalate",
    "review",
    "human",
    "clear",
    "clearly",
    "explicit",
    "intent",
    "target",
    "targets",
    "based",
    "like",
    "use",
    "used",
    "using",
    "make",
    "made",
    "how",
    "get",
    "buy",
    "free",
    "money",
    "click",
    "now",
    "here",
    "want",
    "need",
    "know",
    "think",
    "just",
    "very",
    "good",
    "bad",
    "kill",
    "die",
    "hurt",
    "want",
    "feel",
    "life",
    "help",
    "please",
    "thank",
    "thanks",
    "time",
    "day",
};

// GPT-2's byte-to-symbol map: printable Latin-1 bytes map to themselves, the rest to 256+n.
std::u32string byte_code_points() {
    std::u32string map(256, U'\0');
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        map[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
    }
    return map;
}

std::string utf8(char32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

class Builder {
public:
    void add(std::string text, TokenType type) {
        known_.insert(text);
        vocab_.tokens.push_back(std::move(text));
        vocab_.types.push_back(type);
    }

    // Adds merges that build `word` left to right, one symbol at a time.
    void add_word(std::string_view word) {
        std::string current = byte_symbol(' ');
        for (char c : word) {
            const std::string symbol = byte_symbol(static_cast<uint8_t>(c));
            const std::string joined = current + symbol;
            if (!known_.contains(joined)) {
                vocab_.merges.push_back(current + " " + symbol);
                add(joined, TokenType::normal);
            }
            current = joined;
        }
    }

    size_t size() const { return vocab_.tokens.size(); }
    Vocabulary take() { return std::move(vocab_); }

private:
    Vocabulary vocab_;
    std::set<std::string> known_;
};

}  // namespace

std::string byte_symbol(uint8_t byte) {
    static const std::u32string map = byte_code_points();
    return utf8(map[byte]);
}

Vocabulary build_vocabulary(bool real_ids) {
    Builder builder;
    for (uint32_t b = 0; b < 256; ++b) builder.add(byte_symbol(static_cast<uint8_t>(b)), TokenType::normal);
    for (std::string_view word : kWords) builder.add_word(word);

    // The specials keep o200k's layout relative to the start of the special range: two before
    // it (<|startoftext|>, <|endoftext|>), fourteen in it.
    const int32_t range_begin =
        real_ids ? harmony::kSpecialRangeBegin : static_cast<int32_t>(builder.size()) + 2;
    const int32_t vocab_size = real_ids ? harmony::kVocabularySize : range_begin + 14;
    const int32_t shift = range_begin - harmony::kSpecialRangeBegin;

    // Unreachable padding: no merge produces these, so they only fill ids.
    while (static_cast<int32_t>(builder.size()) < range_begin - 2) {
        builder.add("<|unused_" + std::to_string(builder.size()) + "|>", TokenType::unused);
    }
    for (int32_t id = range_begin - 2; id < vocab_size; ++id) {
        std::string text = "<|reserved_" + std::to_string(id - shift) + "|>";
        for (const harmony::SpecialToken& special : harmony::kSpecialTokens) {
            if (special.o200k_id + shift == id) text = std::string(special.text);
        }
        builder.add(std::move(text), TokenType::control);
    }
    return builder.take();
}

}  // namespace arbiter::testmodel
