// JSON from outside, parsed with a bound on nesting (core/json_input.h).

#include "core/json_input.h"

#include <gtest/gtest.h>

namespace arbiter {
namespace {

std::string nested(size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonInput, NestingUpToTheBoundParses) {
    std::string error;
    EXPECT_TRUE(parse_json(nested(kMaxInputJsonDepth), error)) << error;
    EXPECT_TRUE(parse_json(R"({"a": {"b": [1, 2, {"c": null}]}})", error)) << error;
}

TEST(JsonInput, DeeperIsRefusedWhileParsing) {
    for (size_t depth : {size_t{kMaxInputJsonDepth + 1}, size_t{70000}, size_t{1000000}}) {
        std::string error;
        EXPECT_FALSE(parse_json(nested(depth), error)) << depth;
        EXPECT_NE(error.find("nested deeper than 64"), std::string::npos) << error;
    }
    std::string error;
    EXPECT_FALSE(parse_json(R"({"a": )" + nested(100) + "}", error));
    EXPECT_FALSE(parse_json("[[1]]", error, 1));
}

TEST(JsonInput, SyntaxErrorsAndNumbersOutOfRangeAreErrorsNotExceptions) {
    std::string error;
    EXPECT_FALSE(parse_json("{\"a\": ", error));
    EXPECT_FALSE(error.empty());
    error.clear();
    EXPECT_FALSE(parse_json(R"({"model": 1e309})", error));
    EXPECT_NE(error.find("1e309"), std::string::npos) << error;
    EXPECT_FALSE(parse_json("\"\xff\"", error));  // not UTF-8
}

}  // namespace
}  // namespace arbiter
