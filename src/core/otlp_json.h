#pragma once
// Spans in OTLP's JSON encoding (OpenTelemetry protocol, "JSON Protobuf Encoding"), the body of a
// POST to an OTLP/HTTP collector's /v1/traces: ids as hex strings, times and 64-bit integers as
// decimal strings, enums as numbers.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/span.h"

namespace arbiter {

// An ExportTraceServiceRequest holding `spans`, under one resource named `service_name`
// (service.name) and the instrumentation scope "arbiter".
nlohmann::json otlp_traces_json(const std::vector<Span>& spans, const std::string& service_name);

}  // namespace arbiter
