#include <set>
#include <string_view>

#include "harmony/special_tokens.h"
#include "testmodel/vocabulary.h"

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

Vocabulary byte_vocabulary() {
    Builder builder;
    for (uint32_t b = 0; b < 256; ++b) builder.add(byte_symbol(static_cast<uint8_t>(b)), TokenType::normal);
    for (std::string_view word : kWords) builder.add_word(word);

    // The specials follow, in o200k_harmony's order from its first special on: two before its
    // special range (<|startoftext|>, <|endoftext|>) and the first fourteen of it, which hold
    // every harmony special.
    for (int32_t id = kO200kFirstSpecial; id < harmony::kSpecialRangeBegin + 14; ++id) {
        builder.add(o200k_special_text(id), TokenType::control);
    }
    return builder.take();
}

}  // namespace arbiter::testmodel
