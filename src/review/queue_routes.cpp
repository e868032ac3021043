#include <algorithm>

#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/audit_trail.h"
#include "review/review_json.h"
#include "review/routes.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json rules_json(const storage::QueueRules& r) {
    return {{"policy", r.policy_id},
            {"band", r.band_min ? ordered_json{{"min", *r.band_min}, {"max", *r.band_max}} : ordered_json()},
            {"flagged", r.flagged},
            {"escalated", r.escalated},
            {"sample_percent", r.sample_percent},
            {"updated_at", r.updated_at},
            {"updated_by", r.updated_by}};
}

double bound(const nlohmann::json& band, const char* name) {
    if (!band.contains(name) || !band[name].is_number())
        throw ServiceError(Refusal::invalid, std::string("band.") + name + " must be a number from 0 to 1");
    const double v = band[name].get<double>();
    if (!(v >= 0 && v <= 1))
        throw ServiceError(Refusal::invalid, std::string("band.") + name + " must be from 0 to 1");
    return v;
}

bool flag(const nlohmann::json& body, const char* name) {
    if (!body.contains(name)) return false;
    if (!body[name].is_boolean())
        throw ServiceError(Refusal::invalid, std::string(name) + " must be true or false");
    return body[name].get<bool>();
}

storage::QueueRules parse_rules(const nlohmann::json& body, const std::string& policy) {
    if (!body.is_object())
        throw ServiceError(Refusal::invalid, "the body must be a JSON object of queue rules");
    for (const auto& [key, value] : body.items()) {
        if (key != "policy" && key != "band" && key != "flagged" && key != "escalated" &&
            key != "sample_percent")
            throw ServiceError(Refusal::invalid, "unknown field '" + key +
                                                     "' (known: band, flagged, escalated, sample_percent)");
    }
    if (body.contains("policy") && body["policy"] != policy)
        throw ServiceError(Refusal::invalid, "the body's policy does not match the path's '" + policy + "'");
    storage::QueueRules r;
    r.policy_id = policy;
    if (body.contains("band") && !body["band"].is_null()) {
        const nlohmann::json& band = body["band"];
        if (!band.is_object())
            throw ServiceError(Refusal::invalid, "band must be {\"min\", \"max\"} or null");
        r.band_min = bound(band, "min");
        r.band_max = bound(band, "max");
        if (*r.band_min > *r.band_max)
            throw ServiceError(Refusal::invalid, "band.min must not be above band.max");
    }
    r.flagged = flag(body, "flagged");
    r.escalated = flag(body, "escalated");
    if (body.contains("sample_percent")) {
        const nlohmann::json& p = body["sample_percent"];
        if (!p.is_number() || !(p.get<double>() >= 0 && p.get<double>() <= 100))
            throw ServiceError(Refusal::invalid, "sample_percent must be a number from 0 to 100");
        r.sample_percent = p.get<double>();
    }
    return r;
}

void put_rules(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& policy = req.path_params.at(0);
    if (context.policies.versions(policy).empty())
        throw ServiceError(Refusal::not_found, "no policy '" + policy + "'");
    storage::QueueRules rules = parse_rules(parse_body(req), policy);
    rules.updated_by = caller_name(req);
    storage::ReviewQueue& queue = context.queue;
    queue.set_rules(rules);
    const ordered_json stored = rules_json(*queue.rules(policy));
    ordered_json detail = stored;  // who, when and which policy are the event's own fields
    for (const char* own : {"policy", "updated_at", "updated_by"}) detail.erase(own);
    record_change(context, req, "queue_rule.set", "policy:" + policy, std::move(detail));
    send_json(res, 200, stored);
}

void next_items(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::optional<std::string> policy = req.param("policy");
    if (!policy) throw ServiceError(Refusal::invalid, "policy is required: GET /v1/queue?policy=ID");
    size_t limit = 50;
    if (const auto text = req.param("limit")) {
        const int n = whole_number(*text).value_or(0);
        if (n < 1 || n > 200) throw ServiceError(Refusal::invalid, "limit must be from 1 to 200");
        limit = static_cast<size_t>(n);
    }
    if (context.policies.versions(*policy).empty())
        throw ServiceError(Refusal::not_found, "no policy '" + *policy + "'");
    size_t waiting = 0;
    const std::vector<storage::QueuedDecision> queued =
        context.queue.next(*policy, caller_name(req), limit, &waiting);
    ordered_json items = ordered_json::array();
    for (const storage::QueuedDecision& q : queued) {
        std::optional<ordered_json> row = context.log.row(q.decision_id);
        if (!row) continue;
        const std::optional<bool> model = logged_violation(*row);
        ordered_json reviews = ordered_json::array();
        bool saw_violation = false;
        bool saw_safe = false;
        for (const storage::Review& r : context.reviews.of_decision(q.decision_id)) {
            saw_violation = saw_violation || r.violation;
            saw_safe = saw_safe || !r.violation;
            reviews.push_back(review_json(r, model));
        }
        (*row)["why"] = q.why;
        (*row)["reviews"] = std::move(reviews);
        (*row)["disagreement"] = saw_violation && saw_safe;
        items.push_back(std::move(*row));
    }
    send_json(res, 200, {{"policy", *policy}, {"items", items}, {"waiting", waiting}});
}

ordered_json share(size_t part, size_t whole) {
    return whole == 0 ? ordered_json() : ordered_json(static_cast<double>(part) / static_cast<double>(whole));
}

void summary(ServiceContext& context, HttpResponse& res) {
    storage::ReviewQueue& queue = context.queue;
    std::vector<std::string> ids;
    for (const auto& policy : context.policies.current_all()) ids.push_back(policy->id);
    for (const storage::QueueRules& r : queue.all_rules()) {
        if (std::find(ids.begin(), ids.end(), r.policy_id) == ids.end()) ids.push_back(r.policy_id);
    }
    ordered_json list = ordered_json::array();
    for (const std::string& id : ids) {
        const storage::QueueSummary s = queue.summary(id);
        list.push_back({{"policy", id},
                        {"rules", queue.rules(id).has_value()},
                        {"waiting", s.waiting},
                        {"reviewed", s.reviewed},
                        {"reviews", s.reviews},
                        {"double_reviewed", s.double_reviewed},
                        {"agreement", share(s.double_reviewed - s.disagreements, s.double_reviewed)},
                        {"model_agreement", share(s.model_agreed, s.reviewed)},
                        {"disagreements", s.disagreements}});
    }
    send_json(res, 200, {{"policies", list}});
}

}  // namespace

void add_queue_routes(Router& router, ServiceContext& context) {
    router.add("GET", "/v1/queue/rules", Role::review, Cost::blocking,
               [&context](const HttpRequest&, HttpResponse& res) {
                   ordered_json list = ordered_json::array();
                   for (const storage::QueueRules& r : context.queue.all_rules())
                       list.push_back(rules_json(r));
                   send_json(res, 200, {{"rules", list}});
               });
    router.add("PUT", "/v1/queue/rules/{policy}", Role::admin, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { put_rules(context, req, res); });
    router.add("GET", "/v1/queue", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { next_items(context, req, res); });
    router.add("GET", "/v1/queue/summary", Role::review, Cost::blocking,
               [&context](const HttpRequest&, HttpResponse& res) { summary(context, res); });
}

}  // namespace arbiter::service
