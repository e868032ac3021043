#include "service/http_reply.h"
#include "service/request_error.h"
#include "service/routes.h"

namespace arbiter::service {

namespace {

// One review as a line `arbiter eval` reads: the content's own fields ("text", or "prompt" and
// "response", or "messages") beside "id" and "label".
nlohmann::ordered_json eval_line(const storage::Review& review) {
    nlohmann::ordered_json line = {{"id", "review-" + std::to_string(review.id)}};
    const nlohmann::json content = nlohmann::json::parse(review.content_json, nullptr, false);
    if (content.is_string()) {
        line["text"] = content;
    } else if (content.is_object()) {
        for (const auto& [key, value] : content.items()) line[key] = value;
    }
    line["label"] = review.violation ? 1 : 0;
    line["policy_version"] = review.policy_version;
    line["reviewer"] = review.reviewer;
    line["source"] = review.source;
    return line;
}

}  // namespace

void add_review_routes(Router& router, ServiceContext& context) {
    router.add("GET", "/v1/reviews", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) {
                   const std::optional<std::string> policy = req.param("policy");
                   if (!policy) throw RequestError(400, "policy is required: GET /v1/reviews?policy=ID");
                   if (!context.reviews) throw RequestError(503, "this server keeps no reviews");
                   res.content_type = "application/x-ndjson";
                   for (const storage::Review& r : context.reviews->of_policy(*policy))
                       res.body += eval_line(r).dump() + "\n";
               });
}

}  // namespace arbiter::service
