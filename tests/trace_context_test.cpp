// W3C Trace Context's traceparent as arbiter reads and writes it (every rule for ignoring a
// header), new ids, and spans in OTLP's JSON encoding.

#include "core/trace_context.h"

#include <gtest/gtest.h>

#include <set>

#include "core/otlp_json.h"
#include "core/span.h"

namespace arbiter {
namespace {

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kSpan = "00f067aa0ba902b7";

std::string header(const std::string& version, const std::string& trace, const std::string& span,
                   const std::string& flags) {
    return version + "-" + trace + "-" + span + "-" + flags;
}

TEST(TraceParent, ReadsTheSpecsExample) {
    const auto context = parse_traceparent(header("00", kTrace, kSpan, "01"));
    ASSERT_TRUE(context.has_value());
    EXPECT_EQ(context->trace_id, kTrace);
    EXPECT_EQ(context->span_id, kSpan);
    EXPECT_EQ(context->flags, 1);
    EXPECT_EQ(format_traceparent(*context), header("00", kTrace, kSpan, "01"));
    EXPECT_EQ(parse_traceparent(header("00", kTrace, kSpan, "a0"))->flags, 0xa0);
}

TEST(TraceParent, IgnoresEveryMalformedHeader) {
    const std::vector<std::string> bad = {
        "",
        "00",
        header("00", kTrace, kSpan, "0"),                                // flags too short
        header("00", std::string(kTrace).substr(1), kSpan, "01") + "0",  // trace id too short
        header("00", kTrace, std::string(kSpan) + "0", "1"),             // span id too long
        header("00", "4BF92F3577B34DA6A3CE929D0E0E4736", kSpan, "01"),   // upper case trace id
        header("00", kTrace, "00F067AA0BA902B7", "01"),                  // upper case span id
        header("00", kTrace, kSpan, "0A"),                               // upper case flags
        header("0A", kTrace, kSpan, "01"),                               // upper case version
        header("00", "4bf92f3577b34da6a3ce929d0e0e473g", kSpan, "01"),   // not hex
        header("0x", kTrace, kSpan, "01"),                               // version not hex
        header("00", std::string(32, '0'), kSpan, "01"),                 // all-zero trace id
        header("00", kTrace, std::string(16, '0'), "01"),                // all-zero span id
        header("ff", kTrace, kSpan, "01"),                               // the invalid version
        header("00", kTrace, kSpan, "01") + "-extra",                    // version 00 is 55 exactly
        header("00", kTrace, kSpan, "01") + " ",
        "00_" + std::string(kTrace) + "-" + kSpan + "-01",  // wrong separators
        "00-" + std::string(kTrace) + "_" + kSpan + "-01",
        "00-" + std::string(kTrace) + "-" + kSpan + "_01",
        header("cc", kTrace, kSpan, "01") + "x-more",  // a future version's fields
    };
    for (const std::string& h : bad) EXPECT_FALSE(parse_traceparent(h).has_value()) << "'" << h << "'";
}

TEST(TraceParent, ReadsAFutureVersionsFirstFields) {
    const auto exact = parse_traceparent(header("cc", kTrace, kSpan, "01"));
    ASSERT_TRUE(exact.has_value());
    EXPECT_EQ(exact->trace_id, kTrace);
    const auto longer = parse_traceparent(header("cc", kTrace, kSpan, "01") + "-what-the-future-holds");
    ASSERT_TRUE(longer.has_value());
    EXPECT_EQ(longer->span_id, kSpan);
    EXPECT_EQ(format_traceparent(*longer), header("00", kTrace, kSpan, "01"));  // written as 00
}

TEST(TraceParent, NewIdsAreLowerHexOfTheRightLengthAndDistinct) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string trace = new_trace_id();
        const std::string span = new_span_id();
        EXPECT_EQ(trace.size(), 32u);
        EXPECT_EQ(span.size(), 16u);
        // Ids we make are ids we would accept.
        EXPECT_TRUE(parse_traceparent(header("00", trace, span, "01")).has_value()) << trace << " " << span;
        seen.insert(trace);
    }
    EXPECT_EQ(seen.size(), 100u);
}

TEST(TraceParent, AChildKeepsItsParentsTraceAndFlags) {
    const TraceContext parent{.trace_id = kTrace, .span_id = kSpan, .flags = 0};
    const TraceContext child = child_of(parent);
    EXPECT_EQ(child.trace_id, kTrace);
    EXPECT_NE(child.span_id, kSpan);
    EXPECT_EQ(child.flags, 0);
    const TraceContext root = child_of({});
    EXPECT_TRUE(root.valid());
    EXPECT_NE(root.trace_id, kTrace);
    EXPECT_EQ(root.flags, 1);
}

TEST(SpanContent, OnlyWhereConfiguredAndBounded) {
    Span span;
    add_content(Tracing{}, span, "secret text");
    EXPECT_TRUE(span.attributes.empty());
    // 4095 bytes of 'a', then a two-byte character that would straddle the bound: left out whole.
    const std::string text = std::string(kMaxSpanContentBytes - 1, 'a') + "\xc3\xa9" + "tail";
    add_content(Tracing{.include_content = true}, span, text);
    ASSERT_EQ(span.attributes.size(), 1u);
    EXPECT_EQ(span.attributes[0].first, "arbiter.content");
    EXPECT_EQ(std::get<std::string>(span.attributes[0].second), std::string(kMaxSpanContentBytes - 1, 'a'));
}

TEST(OtlpJson, EncodesSpansAsTheProtocolsJsonMapping) {
    Span child{.name = "chat gpt-oss",
               .kind = SpanKind::client,
               .context = {.trace_id = kTrace, .span_id = "1111111111111111", .flags = 1},
               .parent_span_id = kSpan,
               .start_unix_nanos = 1'700'000'000'000'000'001,
               .end_unix_nanos = 1'700'000'000'500'000'002,
               .attributes = {{"gen_ai.operation.name", std::string("chat")},
                              {"gen_ai.usage.input_tokens", int64_t{9'007'199'254'740'993}},
                              {"ratio", 0.5},
                              {"ok", true}},
               .error = true,
               .status_message = "HTTP 502"};
    Span root{.name = "POST /v1/classify",
              .kind = SpanKind::server,
              .context = {.trace_id = kTrace, .span_id = kSpan, .flags = 1}};
    const nlohmann::json body = otlp_traces_json({child, root}, "arbiter-test");

    const nlohmann::json& resource = body["resourceSpans"][0]["resource"];
    EXPECT_EQ(resource["attributes"][0]["key"], "service.name");
    EXPECT_EQ(resource["attributes"][0]["value"]["stringValue"], "arbiter-test");
    const nlohmann::json& scope = body["resourceSpans"][0]["scopeSpans"][0];
    EXPECT_EQ(scope["scope"]["name"], "arbiter");
    ASSERT_EQ(scope["spans"].size(), 2u);
    const nlohmann::json& c = scope["spans"][0];
    EXPECT_EQ(c["traceId"], kTrace);
    EXPECT_EQ(c["spanId"], "1111111111111111");
    EXPECT_EQ(c["parentSpanId"], kSpan);
    EXPECT_EQ(c["name"], "chat gpt-oss");
    EXPECT_EQ(c["kind"], 3);
    EXPECT_EQ(c["startTimeUnixNano"], "1700000000000000001");  // 64-bit integers as strings
    EXPECT_EQ(c["endTimeUnixNano"], "1700000000500000002");
    EXPECT_EQ(c["attributes"][0],
              (nlohmann::json{{"key", "gen_ai.operation.name"}, {"value", {{"stringValue", "chat"}}}}));
    EXPECT_EQ(c["attributes"][1]["value"]["intValue"], "9007199254740993");
    EXPECT_EQ(c["attributes"][2]["value"]["doubleValue"], 0.5);
    EXPECT_EQ(c["attributes"][3]["value"]["boolValue"], true);
    EXPECT_EQ(c["status"]["code"], 2);
    EXPECT_EQ(c["status"]["message"], "HTTP 502");
    const nlohmann::json& r = scope["spans"][1];
    EXPECT_EQ(r["kind"], 2);
    EXPECT_FALSE(r.contains("parentSpanId"));          // a root span
    EXPECT_EQ(r["status"], nlohmann::json::object());  // UNSET
    EXPECT_EQ(static_cast<int>(SpanKind::internal), 1);
}

}  // namespace
}  // namespace arbiter
