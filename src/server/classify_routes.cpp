#include "core/random_id.h"
#include "core/service_error.h"
#include "core/verdict_json.h"
#include "http/http_reply.h"
#include "server/routes.h"
#include "service/classify_request.h"
#include "service/verdict_fanout.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

void classify(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const ClassifyRequest request = parse_classify_request(parse_body(req), context.settings()->max_items);
    std::vector<std::shared_ptr<const Policy>> policies;
    std::vector<bool> inline_policy;
    for (const PolicyRef& ref : request.policies) {
        policies.push_back(ref.inline_policy ? ref.inline_policy : context.known_policy(ref.id));
        inline_policy.push_back(ref.inline_policy != nullptr);
    }
    const std::string request_id = random_id("req_");
    Fanout fanout{request_id,
                  request.items,
                  policies,
                  inline_policy,
                  request.mode,
                  request.effort,
                  request.max_reasoning_tokens,
                  context.settings()->on_timeout};
    fanout.caller = req.caller;
    fanout.caller_limit = req.caller_limit;
    fanout.tracing = req.tracing;
    const auto verdicts = run_items(context, fanout);

    const auto item_json = [&](size_t i) {
        ordered_json item;
        item["id"] = request.items[i].id;
        item["verdicts"] = ordered_json::array();
        item["violations"] = ordered_json::array();
        for (const Verdict& v : verdicts[i]) {
            item["verdicts"].push_back(verdict_to_json(request.items[i].id, v));
            if (v.violation.value_or(false)) item["violations"].push_back(v.policy_id);
        }
        return item;
    };
    res.set_header("X-Request-Id", request_id);
    if (!request.batch) {
        ordered_json body = item_json(0);
        body["request_id"] = request_id;
        return send_json(res, 200, body);
    }
    ordered_json items = ordered_json::array();
    for (size_t i = 0; i < verdicts.size(); ++i) items.push_back(item_json(i));
    send_json(res, 200, {{"request_id", request_id}, {"items", items}});
}

}  // namespace

void add_classify_routes(Router& router, ServiceContext& context) {
    router.add("POST", "/v1/classify", Role::classify, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { classify(context, req, res); });
}

}  // namespace arbiter::service
