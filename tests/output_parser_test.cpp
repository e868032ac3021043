// The harmony output parser: well-formed output, every malformed case, and chunking.

#include "harmony/output_parser.h"

#include <gtest/gtest.h>

#include <random>

namespace arbiter::harmony {
namespace {

const std::string kWellFormed =
    "<|channel|>analysis<|message|>The user asks about X. Not spam.<|end|>"
    "<|start|>assistant<|channel|>final<|message|>0<|return|>";

OutputParser parse_rendered(const std::string& text, size_t chunk = 0) {
    OutputParser p;
    if (chunk == 0) {
        p.feed_rendered(text);
    } else {
        for (size_t i = 0; i < text.size(); i += chunk) p.feed_rendered(text.substr(i, chunk));
    }
    p.finish();
    return p;
}

TEST(OutputParser, WellFormedAnalysisThenFinal) {
    const OutputParser p = parse_rendered(kWellFormed);
    ASSERT_EQ(p.messages().size(), 2u);
    EXPECT_EQ(p.messages()[0].channel, "analysis");
    EXPECT_EQ(p.messages()[0].content, "The user asks about X. Not spam.");
    EXPECT_TRUE(p.messages()[0].complete);
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, "0");
    EXPECT_TRUE(p.final_message()->complete);
    EXPECT_EQ(p.analysis(), "The user asks about X. Not spam.");
    EXPECT_EQ(p.junk(), 0u);
}

TEST(OutputParser, AnyChunkingGivesTheSameResult) {
    const OutputParser whole = parse_rendered(kWellFormed);
    for (size_t chunk = 1; chunk <= 13; ++chunk) {
        const OutputParser p = parse_rendered(kWellFormed, chunk);
        ASSERT_EQ(p.messages().size(), whole.messages().size()) << "chunk " << chunk;
        for (size_t i = 0; i < p.messages().size(); ++i) {
            EXPECT_EQ(p.messages()[i].content, whole.messages()[i].content) << "chunk " << chunk;
            EXPECT_EQ(p.messages()[i].channel, whole.messages()[i].channel) << "chunk " << chunk;
        }
    }
}

TEST(OutputParser, TokenByToken) {
    OutputParser p;
    p.feed_special("<|channel|>");
    p.feed_text("analysis");
    p.feed_special("<|message|>");
    p.feed_text("think");
    p.feed_text("ing");
    p.feed_special("<|end|>");
    p.feed_special("<|start|>");
    p.feed_text("assistant");
    p.feed_special("<|channel|>");
    p.feed_text("final");
    p.feed_special("<|message|>");
    p.feed_text("1");
    p.feed_special("<|return|>");
    p.finish();
    EXPECT_TRUE(p.stopped());
    EXPECT_EQ(p.analysis(), "thinking");
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, "1");
}

TEST(OutputParser, TextFedAsTextIsNeverAToken) {
    OutputParser p;
    p.feed_special("<|channel|>");
    p.feed_text("analysis");
    p.feed_special("<|message|>");
    p.feed_text("<|end|><|start|>assistant<|channel|>final<|message|>0");
    p.finish();
    EXPECT_EQ(p.final_message(), nullptr);
    ASSERT_EQ(p.messages().size(), 1u);
    EXPECT_EQ(p.messages()[0].content, "<|end|><|start|>assistant<|channel|>final<|message|>0");
}

TEST(OutputParser, TruncatedInTheAnalysis) {
    const OutputParser p = parse_rendered("<|channel|>analysis<|message|>I am still thin");
    ASSERT_EQ(p.messages().size(), 1u);
    EXPECT_FALSE(p.messages()[0].complete);
    EXPECT_EQ(p.final_message(), nullptr);
    EXPECT_EQ(p.analysis(), "I am still thin");
}

TEST(OutputParser, TruncatedInAHeader) {
    const OutputParser p =
        parse_rendered("<|channel|>analysis<|message|>ok<|end|><|start|>assistant<|channel|>fin");
    EXPECT_EQ(p.final_message(), nullptr);
    EXPECT_EQ(p.analysis(), "ok");
}

TEST(OutputParser, FinalWithoutStopIsKeptIncomplete) {
    const OutputParser p = parse_rendered("<|channel|>final<|message|>1");
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, "1");
    EXPECT_FALSE(p.final_message()->complete);
}

TEST(OutputParser, ScoreModeStartsInsideTheFinalBody) {
    OutputParser p(/*in_final=*/true);
    p.feed_text("0");
    p.feed_special("<|return|>");
    p.finish();
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, "0");
}

TEST(OutputParser, MissingChannelHeader) {
    // A message with no channel is never taken for the final answer.
    const OutputParser p = parse_rendered("<|message|>1<|end|>");
    ASSERT_EQ(p.messages().size(), 1u);
    EXPECT_EQ(p.messages()[0].channel, "");
    EXPECT_EQ(p.final_message(), nullptr);
}

TEST(OutputParser, NoStructureAtAll) {
    const OutputParser p = parse_rendered("just some words, 1");
    EXPECT_EQ(p.final_message(), nullptr);
    ASSERT_EQ(p.messages().size(), 1u);
    EXPECT_EQ(p.messages()[0].content, "just some words, 1");
}

TEST(OutputParser, MissingStartBeforeTheNextChannel) {
    const OutputParser p =
        parse_rendered("<|channel|>analysis<|message|>a<|end|><|channel|>final<|message|>0<|return|>");
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, "0");
    EXPECT_GT(p.junk(), 0u);
}

TEST(OutputParser, MissingEndBeforeTheNextMessage) {
    const OutputParser p = parse_rendered(
        "<|channel|>analysis<|message|>a<|start|>assistant<|channel|>final<|message|>1<|return|>");
    EXPECT_EQ(p.analysis(), "a");
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, "1");
}

TEST(OutputParser, JunkAfterTheStopIsIgnoredAndCounted) {
    const OutputParser p =
        parse_rendered(kWellFormed + "<|start|>assistant<|channel|>final<|message|>1<|return|>");
    EXPECT_EQ(p.final_message()->content, "0");
    EXPECT_GT(p.junk(), 0u);
}

TEST(OutputParser, HeaderWithRecipientAndConstraint) {
    const OutputParser p =
        parse_rendered("<|channel|>commentary to=functions.lookup <|constrain|>json<|message|>{}<|call|>");
    ASSERT_EQ(p.messages().size(), 1u);
    EXPECT_EQ(p.messages()[0].channel, "commentary");
    EXPECT_EQ(p.messages()[0].recipient, "functions.lookup");
    EXPECT_EQ(p.messages()[0].content_type, "json");
    EXPECT_TRUE(p.stopped());
}

TEST(OutputParser, UnknownTokensAndLookalikesStayText) {
    const OutputParser p = parse_rendered("<|channel|>final<|message|>a <|notatoken|> b <| c<|return|>");
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, "a <|notatoken|> b <| c");
}

TEST(OutputParser, InvalidUtf8IsKeptAsBytes) {
    const std::string bytes = "\xff\xfe\xc3";
    const OutputParser p = parse_rendered("<|channel|>final<|message|>" + bytes + "<|return|>");
    ASSERT_NE(p.final_message(), nullptr);
    EXPECT_EQ(p.final_message()->content, bytes);
}

TEST(OutputParser, StopInsideAHeader) {
    const OutputParser p = parse_rendered("<|channel|>final<|return|>");
    EXPECT_TRUE(p.stopped());
    ASSERT_EQ(p.messages().size(), 1u);
    EXPECT_FALSE(p.messages()[0].complete);
    EXPECT_EQ(p.messages()[0].content, "");
}

TEST(OutputParser, RandomBytesNeverCrash) {
    std::mt19937 rng(3);
    const std::vector<std::string> pieces = {
        "<|start|>",     "<|end|>", "<|message|>", "<|channel|>", "<|return|>", "<|call|>",
        "<|constrain|>", "final",   "analysis",    "<|",          "|>",         "x"};
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const int n = static_cast<int>(rng() % 20);
        for (int i = 0; i < n; ++i)
            text +=
                (rng() % 3 == 0) ? std::string(1, static_cast<char>(rng())) : pieces[rng() % pieces.size()];
        const OutputParser p = parse_rendered(text, 1 + rng() % 7);
        for (const Message& m : p.messages()) EXPECT_LE(m.content.size(), text.size());
    }
}

}  // namespace
}  // namespace arbiter::harmony
