#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/decision_statement.h"
#include "review/query_params.h"
#include "review/review_json.h"
#include "review/routes.h"

namespace arbiter::service {

namespace {

// The {id} of a decision route, or a 400.
int64_t decision_id(const HttpRequest& req) {
    const std::string& text = req.path_params[0];
    const std::optional<int> id = whole_number(text);
    if (!id || *id < 1)
        throw ServiceError(Refusal::invalid, "a decision id is a whole number from 1, not '" + text + "'");
    return *id;
}

storage::DecisionQuery decision_query(const HttpRequest& req) {
    only_parameters(req, {"policy", "version", "violation", "since", "until", "text", "before", "limit"});
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
    query.limit = page_limit(req, query.limit);
    return query;
}

}  // namespace

void add_decision_routes(Router& router, ServiceContext& context) {
    // Newest first, in pages (query_params.h).
    router.add("GET", "/v1/decisions", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const storage::DecisionQuery query = decision_query(req);
                   send_page(res, "decisions", context.log.query(query), query.limit, "decision_id");
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
