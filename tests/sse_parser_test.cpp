// Server-Sent Events as the gateway and the MCP guard read them (core/sse_parser.h): events whole
// in pieces of any size, with their ids, names and retry times, and written back as they came.

#include "core/sse_parser.h"

#include <gtest/gtest.h>

namespace arbiter {
namespace {

const std::string kStream =
    ": a comment\r\n\r\nid: 1\r\nretry: 5000\r\ndata: {\"a\":\r\ndata:1}\r\n\r\n"
    "id: 2\nevent: message\ndata: x\n\nid: 3\n\n";

TEST(SseParser, ReadsEventsWithTheirFieldsInPiecesOfAnySize) {
    for (size_t piece : {size_t{1}, size_t{3}, size_t{7}, kStream.size()}) {
        SCOPED_TRACE(piece);
        SseParser parser;
        std::vector<SseEvent> events;
        for (size_t at = 0; at < kStream.size(); at += piece) {
            for (SseEvent& e : parser.feed_events(kStream.substr(at, piece))) events.push_back(std::move(e));
        }
        ASSERT_EQ(events.size(), 3u);
        EXPECT_EQ(events[0].id, "1");
        EXPECT_EQ(events[0].retry, "5000");
        EXPECT_EQ(events[0].data, "{\"a\":\n1}");
        EXPECT_EQ(events[1].event, "message");
        EXPECT_EQ(events[1].data, "x");
        // An id alone is an event (MCP's priming event), with no data.
        EXPECT_EQ(events[2].id, "3");
        EXPECT_FALSE(events[2].has_data);
    }
}

// A CR alone ends a line, as it does for every client: a field never hides inside another's value.
TEST(SseParser, ACarriageReturnAloneEndsALine) {
    SseParser parser;
    std::vector<SseEvent> events = parser.feed_events("id: 1\rdata: hidden\r\rdata: x\r");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].id, "1");
    EXPECT_EQ(events[0].data, "hidden");
    events = parser.feed_events("\n\n");  // the CR's LF, then the blank line
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "x");
}

// An empty id clears a client's last event id, so it is kept; a name alone is no event.
TEST(SseParser, AnEmptyIdIsAnEventAndANameAloneIsNone) {
    SseParser parser;
    const std::vector<SseEvent> events = parser.feed_events("id:\n\nevent: x\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_TRUE(events[0].has_id);
    EXPECT_EQ(sse_text(events[0]), "id: \n\n");
}

TEST(SseParser, FeedGivesTheDataOfEventsWithData) {
    SseParser parser;
    EXPECT_EQ(parser.feed(kStream), (std::vector<std::string>{"{\"a\":\n1}", "x"}));
}

TEST(SseParser, WritesAnEventBackAsItWasRead) {
    const SseEvent event{"7", "message", "100", "line one\nline two", true, true};
    EXPECT_EQ(sse_text(event), "id: 7\nevent: message\nretry: 100\ndata: line one\ndata: line two\n\n");
    SseParser parser;
    const std::vector<SseEvent> back = parser.feed_events(sse_text(event));
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].id, event.id);
    EXPECT_EQ(back[0].event, event.event);
    EXPECT_EQ(back[0].retry, event.retry);
    EXPECT_EQ(back[0].data, event.data);
}

// Some clients end lines at U+2028 or a form feed: a field holding one is left out when written.
TEST(SseParser, WritesOnlyFieldsEveryClientReadsAsOne) {
    const SseEvent event{"a\u2028b", "x\fy", "12x", "d", true, true};
    EXPECT_EQ(sse_text(event), "data: d\n\n");
}

TEST(SseParser, RefusesAnEventThatNeverEnds) {
    SseParser parser;
    EXPECT_THROW(parser.feed_events("data: " + std::string(SseParser::kMaxEventBytes, 'x')),
                 std::length_error);
}

}  // namespace
}  // namespace arbiter
