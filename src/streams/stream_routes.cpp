#include "core/policy_json.h"
#include "core/service_error.h"
#include "http/body_stream.h"
#include "http/http_reply.h"
#include "streams/routes.h"
#include "streams/stream_request.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

// Where a reader resumes: SSE's Last-Event-ID header (a reconnecting EventSource sends it), or
// ?after=N.
std::optional<uint64_t> resume_after(const HttpRequest& req) {
    std::string text = req.header("Last-Event-ID");
    if (text.empty()) text = req.param("after").value_or("");
    if (text.empty()) return std::nullopt;
    const std::optional<int> n = whole_number(text);
    if (!n || *n < 0) throw ServiceError(Refusal::invalid, "Last-Event-ID (or after) must be a whole number");
    return static_cast<uint64_t>(*n);
}

}  // namespace

void add_stream_routes(Router& router, ServiceContext& context, StreamSessions& sessions) {
    router.add("POST", "/v1/streams", Role::classify, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) {
                   StreamOpen open = parse_stream_open(
                       parse_body(req), [&](const std::string& id) { return context.known_policy(id); });
                   ordered_json policies = ordered_json::array();
                   for (size_t p = 0; p < open.policies.size(); ++p) {
                       const StreamPolicy& sp = open.policies[p];
                       policies.push_back({{"id", sp.policy->id},
                                           {"version", sp.policy->version},
                                           {"check_every_tokens", sp.check_every_tokens},
                                           {"threshold", sp.threshold},
                                           {"consecutive", sp.consecutive},
                                           {"at_sentence_ends", sp.at_sentence_ends},
                                           {"at_close", open.reason_at_close[p] ? "reason" : "score"}});
                   }
                   const std::string id = sessions.open(req.caller, std::move(open));
                   res.set_header("Location", "/v1/streams/" + id);
                   send_json(res, 201,
                             {{"id", id},
                              {"object", "stream"},
                              {"policies", policies},
                              {"events", "/v1/streams/" + id + "/events"}});
               });
    router.add("POST", "/v1/streams/{id}/append", Role::classify, Cost::quick,
               [&](const HttpRequest& req, HttpResponse& res) {
                   const std::string text = parse_stream_append(parse_body(req));
                   const size_t bytes = sessions.append(req.caller, req.path_params[0], text);
                   send_json(res, 200, {{"id", req.path_params[0]}, {"appended_bytes", bytes}});
               });
    router.add("GET", "/v1/streams/{id}/events", Role::classify, Cost::quick,
               [&](const HttpRequest& req, HttpResponse& res) {
                   const std::optional<uint64_t> after = resume_after(req);
                   auto body = std::make_shared<BodyStream>(size_t{4} << 20, ":\n\n");
                   sessions.subscribe(req.caller, req.path_params[0], after, body);
                   res.content_type = "text/event-stream";
                   res.set_header("Cache-Control", "no-cache");
                   res.set_header("X-Accel-Buffering", "no");  // nginx: pass events on at once
                   res.stream = std::move(body);
               });
    router.add("POST", "/v1/streams/{id}/close", Role::classify, Cost::blocking,
               [&](const HttpRequest& req, HttpResponse& res) {
                   const StreamResult result = sessions.close(req.caller, req.path_params[0]);
                   send_json(res, 200, result.json);
               });
}

}  // namespace arbiter::service
