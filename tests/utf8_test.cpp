// valid_utf8: valid text unchanged, each invalid byte one U+FFFD.

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

}  // namespace
}  // namespace arbiter
