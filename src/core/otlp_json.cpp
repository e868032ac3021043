#include "core/otlp_json.h"

namespace arbiter {

namespace {

nlohmann::json any_value(const SpanValue& value) {
    return std::visit(
        [](const auto& v) -> nlohmann::json {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) return {{"stringValue", v}};
            if constexpr (std::is_same_v<T, int64_t>) return {{"intValue", std::to_string(v)}};
            if constexpr (std::is_same_v<T, double>) return {{"doubleValue", v}};
            if constexpr (std::is_same_v<T, bool>) return {{"boolValue", v}};
        },
        value);
}

nlohmann::json span_json(const Span& span) {
    nlohmann::json attributes = nlohmann::json::array();
    for (const auto& [key, value] : span.attributes)
        attributes.push_back({{"key", key}, {"value", any_value(value)}});
    nlohmann::json status = nlohmann::json::object();
    if (span.error) status = {{"code", 2}, {"message", span.status_message}};  // STATUS_CODE_ERROR
    nlohmann::json out = {{"traceId", span.context.trace_id},
                          {"spanId", span.context.span_id},
                          {"name", span.name},
                          {"kind", static_cast<int>(span.kind)},
                          {"startTimeUnixNano", std::to_string(span.start_unix_nanos)},
                          {"endTimeUnixNano", std::to_string(span.end_unix_nanos)},
                          {"attributes", std::move(attributes)},
                          {"status", std::move(status)}};
    if (!span.parent_span_id.empty()) out["parentSpanId"] = span.parent_span_id;
    return out;
}

}  // namespace

nlohmann::json otlp_traces_json(const std::vector<Span>& spans, const std::string& service_name) {
    nlohmann::json list = nlohmann::json::array();
    for (const Span& span : spans) list.push_back(span_json(span));
    nlohmann::json resource = {
        {"attributes", {{{"key", "service.name"}, {"value", {{"stringValue", service_name}}}}}}};
    nlohmann::json scope_spans = {{{"scope", {{"name", "arbiter"}}}, {"spans", std::move(list)}}};
    return {{"resourceSpans", {{{"resource", std::move(resource)}, {"scopeSpans", std::move(scope_spans)}}}}};
}

}  // namespace arbiter
