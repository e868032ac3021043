#include "core/content_layout.h"
#include "core/sha256.h"
#include "core/verdict_json.h"
#include "service/classify_request.h"
#include "service/http_reply.h"
#include "service/moderation.h"
#include "service/request_error.h"
#include "service/routes.h"

namespace arbiter::service {

namespace {

using Clock = std::chrono::steady_clock;
using ordered_json = nlohmann::ordered_json;

// Fills a timed-out verdict's decision where the configuration says what a timeout means.
void apply_on_timeout(Verdict& v, OnTimeout on_timeout) {
    if (v.status != VerdictStatus::timeout || on_timeout == OnTimeout::error) return;
    v.violation = on_timeout == OnTimeout::fail_closed;
}

// Refuses, before anything is queued, content over the configured limit or longer than the
// model's context leaves room for with a policy (413): such content cannot be judged, and an error
// verdict must never stand in for a judgement. `rooms` holds each policy's room (jobs[p]).
void check_tokens(ServiceContext& context, const ClassifyItem& item, const std::vector<Job>& jobs,
                  const std::vector<std::optional<int>>& rooms) {
    const std::optional<int> counted = context.backend().content_tokens(item.content);
    // Where the backend cannot count, about four bytes make a token.
    const size_t tokens = counted ? static_cast<size_t>(*counted) : item.content_json.size() / 4;
    const std::string has = "item '" + item.id + "' has " + std::string(counted ? "" : "about ") +
                            std::to_string(tokens) + " content tokens";
    if (tokens > static_cast<size_t>(context.config.max_content_tokens))
        throw RequestError(413, has + "; the limit is " + std::to_string(context.config.max_content_tokens));
    for (size_t p = 0; p < jobs.size(); ++p) {
        if (rooms[p] && tokens > static_cast<size_t>(*rooms[p]))
            throw RequestError(413, has + "; with policy '" + jobs[p].policy->id +
                                        "' the model's context leaves room for " + std::to_string(*rooms[p]));
    }
}

// One request's classification: every item against every policy.
struct Fanout {
    const std::string& request_id;
    const std::vector<ClassifyItem>& items;
    const std::vector<std::shared_ptr<const Policy>>& policies;
    const std::vector<bool>& inline_policy;
    Mode mode = Mode::reason;
    std::optional<ReasoningEffort> effort;
    int max_reasoning_tokens = 0;
    OnTimeout on_timeout = OnTimeout::error;
};

// Item-major verdicts. Applies the token limit, the queue bound and the deadline, and logs every
// verdict before returning.
std::vector<std::vector<Verdict>> run_items(ServiceContext& context, const Fanout& f) {
    JobRunner& runner = context.runner();
    // One job per policy, as every item's jobs are but for the content.
    std::vector<Job> per_policy;
    std::vector<std::optional<int>> rooms;
    for (const auto& policy : f.policies) {
        Job job;
        job.policy = policy;
        job.mode = f.mode;
        job.effort = f.effort;
        job.max_reasoning_tokens = f.max_reasoning_tokens;
        rooms.push_back(context.backend().content_room(job));
        per_policy.push_back(std::move(job));
    }
    for (const ClassifyItem& item : f.items) check_tokens(context, item, per_policy, rooms);
    std::vector<Job> jobs;
    for (const ClassifyItem& item : f.items) {
        for (const Job& job : per_policy) {
            jobs.push_back(job);
            jobs.back().content = item.content;
        }
    }
    if (jobs.size() > runner.capacity())
        throw RequestError(413, std::to_string(f.items.size()) + " item(s) x " +
                                    std::to_string(f.policies.size()) + " policies make " +
                                    std::to_string(jobs.size()) +
                                    " jobs, more than the queue holds (queue_depth " +
                                    std::to_string(runner.capacity()) + ")");
    std::optional<std::vector<Verdict>> verdicts =
        runner.run(std::move(jobs), Clock::now() + context.config.request_timeout);
    if (!verdicts)
        throw RequestError(429, "the queue is full (" + std::to_string(context.config.queue_depth) +
                                    " jobs); retry shortly");

    std::vector<std::string> policy_hashes;
    for (const auto& policy : f.policies) policy_hashes.push_back(sha256_hex(policy->text));
    std::vector<std::vector<Verdict>> by_item(f.items.size());
    std::vector<storage::Decision> decisions;
    bool timed_out = false;
    const std::string mode_name = f.mode == Mode::score ? "score" : "reason";
    for (size_t i = 0; i < f.items.size(); ++i) {
        const ClassifyItem& item = f.items[i];
        const std::string content_hash = sha256_hex(user_message(item.content));
        for (size_t p = 0; p < f.policies.size(); ++p) {
            Verdict v = std::move((*verdicts)[i * f.policies.size() + p]);
            apply_on_timeout(v, f.on_timeout);
            timed_out = timed_out || (v.status == VerdictStatus::timeout && !v.violation);
            context.metrics.verdict(
                v, f.inline_policy[p] ? std::string_view("(inline)") : std::string_view(v.policy_id));
            decisions.push_back({f.request_id, item.id, item.content_json, content_hash, mode_name,
                                 f.inline_policy[p], policy_hashes[p], v, verdict_to_json(item.id, v)});
            by_item[i].push_back(std::move(v));
        }
    }
    context.log.record(decisions);
    if (timed_out)
        throw RequestError(
            504, "no verdict within " + std::to_string(context.config.request_timeout.count()) + " ms");
    return by_item;
}

void classify(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const ClassifyRequest request = parse_classify_request(parse_body(req), context.config.max_items);
    std::vector<std::shared_ptr<const Policy>> policies;
    std::vector<bool> inline_policy;
    for (const PolicyRef& ref : request.policies) {
        policies.push_back(ref.inline_policy ? ref.inline_policy : context.known_policy(ref.id));
        inline_policy.push_back(ref.inline_policy != nullptr);
    }
    const std::string request_id = random_id("req_");
    const auto verdicts =
        run_items(context, {request_id, request.items, policies, inline_policy, request.mode, request.effort,
                            request.max_reasoning_tokens, context.config.on_timeout});

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

void moderate(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const ModerationRequest request = parse_moderation_request(parse_body(req), context.config.max_items);
    const std::string model = request.model.value_or("default");
    // policy_sets always holds "default", and every alias beside the sets' own names.
    const auto found = context.config.policy_sets.find(model);
    if (found == context.config.policy_sets.end()) {
        std::string names;
        for (const auto& [name, s] : context.config.policy_sets) {
            if (s.name == name) names += (names.empty() ? "" : ", ") + name;
        }
        throw RequestError(404, "no policy set '" + model + "' on this server (sets: " + names +
                                    "; OpenAI's moderation model names select 'default')");
    }
    const PolicySet& set = found->second;
    std::vector<std::shared_ptr<const Policy>> policies;
    if (set.policies.empty()) {
        policies = context.policies.current_all();
    } else {
        for (const std::string& id : set.policies) policies.push_back(context.known_policy(id));
    }
    if (policies.empty()) throw RequestError(404, "policy set '" + model + "' has no policies");

    const OnTimeout on_timeout = set.on_timeout.value_or(context.config.on_timeout);
    const std::string request_id = random_id("modr-");
    const std::vector<bool> none_inline(policies.size(), false);
    std::vector<std::vector<Verdict>> verdicts = run_items(
        context, {request_id, request.inputs, policies, none_inline, set.mode, std::nullopt, 0, on_timeout});
    // The moderation format has no per-item error: a verdict that failed fails the request. Only a
    // timeout takes the set's on_timeout decision (run_items applied it): an error is never a
    // judgement, so it cannot pass content through a fail_open set.
    for (const auto& item : verdicts) {
        for (const Verdict& v : item) {
            if (v.status == VerdictStatus::ok || v.status == VerdictStatus::timeout) continue;
            throw RequestError(502, "policy '" + v.policy_id + "' gave no verdict: " +
                                        (v.error.empty() ? std::string(to_string(v.status)) : v.error));
        }
    }
    res.set_header("X-Request-Id", request_id);
    send_json(res, 200, moderation_response(request_id, model, set, verdicts));
}

}  // namespace

void add_classify_routes(Router& router, ServiceContext& context) {
    router.add("POST", "/v1/classify", Role::classify, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { classify(context, req, res); });
    router.add("POST", "/v1/moderations", Role::classify, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { moderate(context, req, res); });
}

}  // namespace arbiter::service
