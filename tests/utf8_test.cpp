// valid_utf8: valid text unchanged, each invalid byte one U+FFFD; complete_utf8_prefix cuts text
// arriving in pieces so that each piece decodes as the whole would.

#include "core/utf8.h"

#include <gtest/gtest.h>

namespace arbiter {
namespace {

const std::string kBad = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsUnchanged) {
    for (const std::string s : {"", "plain", "é", "日本語", "\xF0\x9F\x98\x80", "\x7F"})
        EXPECT_EQ(valid_utf8(s), s);
}

TEST(Utf8, InvalidBytesAreReplaced) {
    EXPECT_EQ(valid_utf8("\xff"), kBad);
    EXPECT_EQ(valid_utf8("a\x80"
                         "b"),
              "a" + kBad + "b");
    EXPECT_EQ(valid_utf8("\xC3"), kBad);                                   // truncated
    EXPECT_EQ(valid_utf8("\xC0\xAF"), kBad + kBad);                        // overlong
    EXPECT_EQ(valid_utf8("\xED\xA0\x80"), kBad + kBad + kBad);             // surrogate
    EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), kBad + kBad + kBad + kBad);  // past U+10FFFF
}

TEST(Utf8, PiecesCutAtCompletePrefixesDecodeAsTheWhole) {
    EXPECT_EQ(complete_utf8_prefix("ab\xC3"), 2u);      // é's first byte waits
    EXPECT_EQ(complete_utf8_prefix("ab\xE6\x97"), 2u);  // so do two of 日's three
    EXPECT_EQ(complete_utf8_prefix("ab\xC3\xA9"), 4u);  // é complete
    EXPECT_EQ(complete_utf8_prefix("ab\xFF"), 3u);      // never valid: nothing to wait for
    EXPECT_EQ(complete_utf8_prefix("\xE6\x41"), 2u);    // not followed by a continuation
    // Every byte-by-byte arrival of mixed valid and invalid text decodes as the whole does.
    const std::string text = "a\xC3\xA9\xFF\xE6\x97\xA5\xE6z\xF0\x9F\x98\x80\xC3";
    std::string pending;
    std::string pieces;
    for (const char c : text) {
        pending += c;
        const size_t cut = complete_utf8_prefix(pending);
        pieces += valid_utf8(std::string_view(pending).substr(0, cut));
        pending.erase(0, cut);
    }
    pieces += valid_utf8(pending);
    EXPECT_EQ(pieces, valid_utf8(text));
}

}  // namespace
}  // namespace arbiter
