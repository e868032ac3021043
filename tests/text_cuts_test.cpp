// Where long text is cut: only where o200k's pre-tokenizer starts a new piece anyway, so that the
// cut changes no token (tests/o200k_tokenizer_test.cpp checks the ids against tiktoken).

#include "harmony/text_cuts.h"

#include <gtest/gtest.h>

namespace arbiter {
namespace {

// Words, then `run` repeated up to byte `at`, then `tail` and more words.
std::string ending_with(std::string_view run, std::string_view tail, size_t at = 2046) {
    std::string text;
    while (text.size() < 1900) text += "lorem ipsum ";
    text.back() = 'x';
    while (text.size() < at) text += run;
    text += tail;
    text += " and more words after it";
    return text;
}

// The byte offset of the first cut.
size_t first_cut(const std::string& text) {
    const std::vector<std::string_view> pieces = harmony::cut_text(text, {});
    EXPECT_GT(pieces.size(), 1u);
    return pieces.front().size();
}

TEST(TextCuts, ShortTextIsOnePiece) {
    EXPECT_EQ(harmony::cut_text("hello there", {}).size(), 1u);
}

TEST(TextCuts, BeforeASpaceAfterANonSpace) {
    const std::string text = ending_with("x", " yyyy");
    EXPECT_EQ(text.substr(first_cut(text), 2), " y");
}

TEST(TextCuts, NeverInsideAWhitespaceRun) {
    // "\u3000  " is one pre-token (whitespace but the last space before a word): no cut before
    // its first space, whatever kind of whitespace precedes it. The spaces lie at 2045-2047.
    for (const std::string_view space : {"\u3000", "\u00A0", "\u2003", "\f", "\v", "\r", "\t", "\n"}) {
        const std::string text = ending_with("x", std::string(space) + "   yyyy", 2045 - space.size());
        EXPECT_LT(first_cut(text), 2045u - space.size())
            << "cut inside the run after " << static_cast<int>(space[0]);
    }
}

TEST(TextCuts, AfterALineBreakBeforeText) {
    const std::string text = ending_with("x", "\nline");
    EXPECT_EQ(text.substr(first_cut(text), 4), "line");
}

TEST(TextCuts, WhereAWordMeetsPunctuationInTextWithoutSpaces) {
    // Chinese has no spaces: the cut goes before the full stop that ends a word.
    std::string text;
    while (text.size() < 2030) text += "这一事件应该引起";
    text += "。";
    while (text.size() < 3000) text += "美国国会";
    EXPECT_EQ(text.substr(first_cut(text), 3), "。");
}

TEST(TextCuts, NotBeforeAContractionOrAMark) {
    // "don't" is one pre-token, and so is a word with its combining marks.
    for (const std::string_view tail : {"'t", "\u0301e"}) {
        std::string text;
        while (text.size() < 2046) text += "x";
        text += tail;
        text += std::string(600, 'y');
        EXPECT_NE(text.substr(first_cut(text), tail.size()), tail);
    }
}

TEST(TextCuts, NotBetweenALineBreakAndASlashAfterPunctuation) {
    // ";\n//" is one pre-token (" ?[^\s\p{L}\p{N}]+[\r\n/]*"): a C++ comment after a statement.
    // The last place to cut before byte 2048 would be after the line break; the cut goes before
    // the semicolon instead.
    const std::string text = ending_with("x", ";\n//comment", 2044);
    EXPECT_EQ(text.substr(first_cut(text), 2), ";\n");
}

TEST(TextCuts, NotBeforeACharacterUtf8procDoesNotKnow) {
    // U+1C8A (a Cyrillic small letter) and U+1ACF (a combining mark) came in Unicode 16: to
    // Debian 12's utf8proc they are unassigned, to the tokenizer part of the word before them.
    for (const char* tail : {"\u1C8A,", "\u1ACF,"}) {
        const std::string text = ending_with("x", tail);
        EXPECT_LT(first_cut(text), 2046u) << "cut right before " << tail;
    }
}

TEST(TextCuts, ARunWithoutAnyBoundaryIsCutAtACharacter) {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += "é";
    for (const std::string_view piece : harmony::cut_text(text, {})) {
        EXPECT_LE(piece.size(), harmony::kMaxTextPiece);
        EXPECT_EQ(piece.size() % 2, 0u);  // never inside a two-byte character
    }
}

}  // namespace
}  // namespace arbiter
