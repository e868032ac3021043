#include "core/trace_context.h"

#include <openssl/rand.h>

#include <stdexcept>

namespace arbiter {

namespace {

bool is_lower_hex(std::string_view s) {
    return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

bool all_zero(std::string_view s) {
    return s.find_first_not_of('0') == std::string_view::npos;
}

int hex_value(char c) {
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

// `bytes` random bytes as lower-case hex; never all zero (the spec's invalid id).
std::string random_hex(size_t bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    do {
        unsigned char buffer[16];
        if (RAND_bytes(buffer, static_cast<int>(bytes)) != 1)
            throw std::runtime_error("no random bytes for a trace id");
        out.clear();
        for (size_t i = 0; i < bytes; ++i) {
            out.push_back(kHex[buffer[i] >> 4]);
            out.push_back(kHex[buffer[i] & 0xf]);
        }
    } while (all_zero(out));
    return out;
}

}  // namespace

std::optional<TraceContext> parse_traceparent(std::string_view header) {
    // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
    constexpr size_t kLength = 55;
    if (header.size() < kLength) return std::nullopt;
    const std::string_view version = header.substr(0, 2);
    if (!is_lower_hex(version) || version == "ff") return std::nullopt;
    // Version 00 is exactly 55 characters; a later version may append "-..." fields, which a
    // version-00 parser skips, reading the first 55 as 00's.
    if (version == "00" ? header.size() != kLength : header.size() > kLength && header[kLength] != '-')
        return std::nullopt;
    if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
    const std::string_view trace_id = header.substr(3, 32);
    const std::string_view span_id = header.substr(36, 16);
    const std::string_view flags = header.substr(53, 2);
    if (!is_lower_hex(trace_id) || !is_lower_hex(span_id) || !is_lower_hex(flags)) return std::nullopt;
    if (all_zero(trace_id) || all_zero(span_id)) return std::nullopt;
    return TraceContext{.trace_id = std::string(trace_id),
                        .span_id = std::string(span_id),
                        .flags = static_cast<uint8_t>(hex_value(flags[0]) * 16 + hex_value(flags[1]))};
}

std::string format_traceparent(const TraceContext& context) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "00-" + context.trace_id + "-" + context.span_id + "-";
    out.push_back(kHex[context.flags >> 4]);
    out.push_back(kHex[context.flags & 0xf]);
    return out;
}

std::string new_trace_id() {
    return random_hex(16);
}

std::string new_span_id() {
    return random_hex(8);
}

TraceContext child_of(const TraceContext& parent) {
    if (!parent.valid()) return {.trace_id = new_trace_id(), .span_id = new_span_id(), .flags = 1};
    return {.trace_id = parent.trace_id, .span_id = new_span_id(), .flags = parent.flags};
}

}  // namespace arbiter
