#pragma once
// Where a piece of work sits in a distributed trace, as W3C Trace Context level 1 carries it in a
// `traceparent` header: "00-<trace id, 32 hex>-<parent span id, 16 hex>-<flags, 2 hex>".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace arbiter {

struct TraceContext {
    std::string trace_id = {};  // 32 lower-case hex digits, not all zero; empty: no trace
    std::string span_id = {};   // 16 lower-case hex digits, not all zero
    uint8_t flags = 0;          // bit 0: sampled

    bool valid() const { return !trace_id.empty(); }
    bool operator==(const TraceContext&) const = default;
};

// The context a `traceparent` header carries; nullopt for one the spec says to ignore: a version
// other than 00 that is not a longer future version, ids of the wrong length, upper-case or
// non-hex digits, all-zero ids, the invalid version ff.
std::optional<TraceContext> parse_traceparent(std::string_view header);

// The header for `context`, version 00.
std::string format_traceparent(const TraceContext& context);

// A new random trace id (16 bytes) and span id (8 bytes), as lower-case hex.
std::string new_trace_id();
std::string new_span_id();

// A new span of `parent`'s trace (its id new, its flags kept), or the root of a new trace when
// `parent` is invalid (sampled).
TraceContext child_of(const TraceContext& parent);

}  // namespace arbiter
