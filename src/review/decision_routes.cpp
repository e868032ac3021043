#include <chrono>
#include <cstdio>
#include <set>

#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/decision_statement.h"
#include "review/review_json.h"
#include "review/routes.h"

namespace arbiter::service {

namespace {

constexpr std::string_view kKnown = "policy, version, violation, since, until, text, before, limit";

// A time bound in the log's form. A bare date as `until` means to the end of that day (a person
// searching "to 1 December" means all of it), so it becomes the start of the next.
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

// A whole number from 1, or a 400 naming the parameter.
int64_t positive(const std::string& name, const std::string& value) {
    const std::optional<int> n = whole_number(value);
    if (!n || *n < 1) throw ServiceError(Refusal::invalid, name + " must be a whole number from 1");
    return *n;
}

// The {id} of a decision route, or a 400.
int64_t decision_id(const HttpRequest& req) {
    const std::string& text = req.path_params[0];
    const std::optional<int> id = whole_number(text);
    if (!id || *id < 1)
        throw ServiceError(Refusal::invalid, "a decision id is a whole number from 1, not '" + text + "'");
    return *id;
}

storage::DecisionQuery decision_query(const HttpRequest& req) {
    static const std::set<std::string> known = {"policy", "version", "violation", "since",
                                                "until",  "text",    "before",    "limit"};
    for (const auto& [key, value] : req.query) {
        if (!known.contains(key))
            throw ServiceError(Refusal::invalid,
                               "unknown parameter '" + key + "' (known: " + std::string(kKnown) + ")");
    }
    storage::DecisionQuery query;
    if (const auto policy = req.param("policy")) query.policy = *policy;
    if (const auto version = req.param("version"))
        query.version = static_cast<int>(positive("version", *version));
    if (const auto violation = req.param("violation")) {
        const std::string& v = *violation;
        if (v != "true" && v != "false")
            throw ServiceError(Refusal::invalid, "violation must be true or false");
        query.violation = v == "true";
    }
    if (const auto since = req.param("since")) query.since = time_bound("since", *since, false);
    if (const auto until = req.param("until")) query.until = time_bound("until", *until, true);
    if (const auto text = req.param("text"); text && !text->empty()) query.text = *text;
    if (const auto before = req.param("before")) query.before = positive("before", *before);
    if (const auto limit = req.param("limit")) {
        query.limit = whole_number(*limit).value_or(0);
        if (query.limit < 1 || query.limit > 1000)
            throw ServiceError(Refusal::invalid, "limit must be from 1 to 1000");
    }
    return query;
}

}  // namespace

void add_decision_routes(Router& router, ServiceContext& context) {
    // Newest first; `next_before` is the decision id to pass as `before` for the next (older) page,
    // null when this page is the last.
    router.add("GET", "/v1/decisions", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const storage::DecisionQuery query = decision_query(req);
                   nlohmann::ordered_json rows = nlohmann::ordered_json::array();
                   for (auto& row : context.log.query(query)) rows.push_back(std::move(row));
                   const bool full = rows.size() == static_cast<size_t>(query.limit);
                   send_json(res, 200,
                             {{"decisions", rows},
                              {"next_before", full ? rows.back()["decision_id"] : nlohmann::ordered_json()}});
               });
    router.add("GET", "/v1/decisions/{id}", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const int64_t id = decision_id(req);
                   std::optional<nlohmann::ordered_json> row = context.log.row(id);
                   if (!row) throw ServiceError(Refusal::not_found, "no decision " + std::to_string(id));
                   // With the reviews it has had: a reader sees the model's verdict and people's.
                   nlohmann::ordered_json reviews = nlohmann::ordered_json::array();
                   const std::optional<bool> model = logged_violation(*row);
                   for (const storage::Review& r : context.reviews.of_decision(id))
                       reviews.push_back(review_json(r, model));
                   (*row)["reviews"] = std::move(reviews);
                   send_json(res, 200, *row);
               });
    // The decision's statement of reasons for the DSA Transparency Database (review/decision_statement.h).
    router.add("GET", "/v1/decisions/{id}/statement-of-reasons", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const int64_t id = decision_id(req);
                   const std::optional<nlohmann::ordered_json> row = context.log.row(id);
                   if (!row) throw ServiceError(Refusal::not_found, "no decision " + std::to_string(id));
                   const std::string policy = (*row)["policy_id"].get<std::string>();
                   const std::optional<storage::PolicyVersion> judged =
                       context.policies.version(policy, (*row)["policy_version"].get<int>());
                   const std::shared_ptr<const Policy> current = context.policies.current(policy);
                   send_json(res, 200,
                             decision_statement(*row, judged ? judged->policy.get() : nullptr, current.get(),
                                                context.reviews.of_decision(id)));
               });
}

}  // namespace arbiter::service
