#include "review/query_params.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "core/service_error.h"
#include "http/http_reply.h"
#include "storage/decision_log.h"

namespace arbiter::service {

std::string time_bound(const std::string& name, const std::string& value, bool end_of_day) {
    std::optional<std::string> canonical = storage::canonical_utc_timestamp(value);
    if (!canonical)
        throw ServiceError(Refusal::invalid,
                           name + " must be an ISO 8601 UTC date or time, e.g. 2026-11-27T20:00:00Z");
    if (end_of_day && value.size() == 10) {
        const std::chrono::year_month_day day{std::chrono::year(std::stoi(value.substr(0, 4))),
                                              std::chrono::month(std::stoul(value.substr(5, 2))),
                                              std::chrono::day(std::stoul(value.substr(8, 2)))};
        const std::chrono::year_month_day next{std::chrono::sys_days(day) + std::chrono::days(1)};
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(next.year()),
                      static_cast<unsigned>(next.month()), static_cast<unsigned>(next.day()));
        canonical = storage::canonical_utc_timestamp(text);
    }
    return *canonical;
}

int64_t positive(const std::string& name, const std::string& value) {
    const std::optional<int> n = whole_number(value);
    if (!n || *n < 1) throw ServiceError(Refusal::invalid, name + " must be a whole number from 1");
    return *n;
}

void only_parameters(const HttpRequest& req, std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : req.query) {
        if (std::find(known.begin(), known.end(), key) != known.end()) continue;
        std::string names;
        for (const std::string_view name : known) names += (names.empty() ? "" : ", ") + std::string(name);
        throw ServiceError(Refusal::invalid, "unknown parameter '" + key + "' (known: " + names + ")");
    }
}

int page_limit(const HttpRequest& req, int fallback) {
    const std::optional<std::string> limit = req.param("limit");
    if (!limit) return fallback;
    const int n = whole_number(*limit).value_or(0);
    if (n < 1 || n > 1000) throw ServiceError(Refusal::invalid, "limit must be from 1 to 1000");
    return n;
}

void send_page(HttpResponse& res, std::string_view name, std::vector<nlohmann::ordered_json> rows, int limit,
               std::string_view id_key) {
    const bool full = rows.size() == static_cast<size_t>(limit);
    nlohmann::ordered_json next = full ? rows.back()[std::string(id_key)] : nlohmann::ordered_json();
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (nlohmann::ordered_json& row : rows) list.push_back(std::move(row));
    send_json(res, 200, {{std::string(name), std::move(list)}, {"next_before", std::move(next)}});
}

}  // namespace arbiter::service
