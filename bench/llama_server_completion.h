#pragma once
// One POST /completion to a llama-server, as both benchmarks' llama-server phases send it: the
// reply's JSON, or nullopt when the server failed, answered other than 200, or sent what is not
// JSON (the caller counts it as a failure).

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>

namespace arbiter::bench {

inline std::optional<nlohmann::json> post_completion(httplib::Client& http, const nlohmann::json& body) {
    const auto r = http.Post("/completion", body.dump(), "application/json");
    if (!r || r->status != 200) return std::nullopt;
    nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
}

}  // namespace arbiter::bench
