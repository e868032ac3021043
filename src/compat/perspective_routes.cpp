#include "compat/perspective.h"
#include "compat/perspective_discovery.h"
#include "compat/routes.h"
#include "core/content_layout.h"
#include "core/random_id.h"
#include "core/service_error.h"
#include "core/sha256.h"
#include "core/store_error.h"
#include "http/http_reply.h"
#include "service/verdict_fanout.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

// Perspective's clients send the key as ?key=; Google's answers for a missing or a wrong key.
// Without keys every caller is "anonymous" and may do anything, as on the rest of the API.
ApiKeyEntry authorize_key(const KeyRing* keys, const HttpRequest& req) {
    if (keys == nullptr) return {"anonymous", Role::admin, ""};
    std::optional<std::string> key = req.param("key");
    if (!key) {
        // Any case of the scheme, as the rest of the API takes it.
        const std::string header = req.header("Authorization");
        if (const std::optional<std::string_view> token = bearer_token(header)) key = std::string(*token);
    }
    if (!key) throw ServiceError(Refusal::forbidden, "The request is missing a valid API key.");
    const std::optional<ApiKeyEntry> entry = keys->find(*key);
    if (!entry) throw ServiceError(Refusal::invalid, "API key not valid. Please pass a valid API key.");
    return *entry;
}

// The policy each attribute maps to; 400 naming the attributes served for any other.
std::vector<std::shared_ptr<const Policy>> attribute_policies(const ServiceContext& context,
                                                              const std::vector<std::string>& names) {
    const std::shared_ptr<const ServiceConfig> settings = context.settings();
    const auto& served = settings->perspective_attributes;
    std::vector<std::shared_ptr<const Policy>> policies;
    for (const std::string& name : names) {
        const auto found = served.find(name);
        if (found == served.end()) {
            std::string offered;
            for (const auto& [attribute, policy] : served)
                offered += (offered.empty() ? "" : ", ") + attribute;
            throw ServiceError(Refusal::invalid,
                               "Unknown attribute: " + name + ". This server offers: " +
                                   (offered.empty() ? "none (see perspective.attributes)" : offered));
        }
        policies.push_back(context.known_policy(found->second));
    }
    return policies;
}

double score_of(const Verdict& v, const std::string& attribute) {
    if (v.probability) return *v.probability;
    if (v.violation) return *v.violation ? 1.0 : 0.0;  // a rule or a timeout decision
    throw ServiceError(Refusal::internal, "attribute " + attribute + " gave no score: " +
                                              (v.error.empty() ? std::string(to_string(v.status)) : v.error));
}

ordered_json score_json(double value) {
    return {{"value", value}, {"type", "PROBABILITY"}};
}

void analyze(ServiceContext& context, const ApiKeyEntry& /*caller*/, const HttpRequest& req,
             HttpResponse& res) {
    const AnalyzeRequest request =
        parse_analyze_request(parse_body(req), context.settings()->perspective_max_text_bytes);
    std::vector<std::string> names;
    for (const RequestedAttribute& a : request.attributes) names.push_back(a.name);
    const std::vector<std::shared_ptr<const Policy>> policies = attribute_policies(context, names);

    // The whole comment, then each sentence: one batch, every item sharing each policy's prefix.
    std::vector<ClassifyItem> items{parse_item_content(request.text, "comment.text")};
    items[0].id = "comment";
    std::vector<Span> spans;
    if (request.span_annotations) spans = sentence_spans(request.text);
    for (size_t i = 0; i < spans.size(); ++i) {
        const std::string sentence =
            request.text.substr(spans[i].byte_begin, spans[i].byte_end - spans[i].byte_begin);
        items.push_back(parse_item_content(sentence, "comment.text"));
        items.back().id = "span-" + std::to_string(i);
    }
    const std::string request_id = random_id("persp-");
    const std::vector<bool> none_inline(policies.size(), false);
    Fanout fanout{request_id,  items,        policies, none_inline,
                  Mode::score, std::nullopt, 0,        context.settings()->on_timeout};
    fanout.store_content = !request.do_not_store;
    fanout.tracing = req.tracing;
    const std::vector<std::vector<Verdict>> verdicts = run_items(context, fanout);

    ordered_json scores = ordered_json::object();
    for (size_t p = 0; p < request.attributes.size(); ++p) {
        const RequestedAttribute& a = request.attributes[p];
        const double summary = score_of(verdicts[0][p], a.name);
        if (a.score_threshold && summary < *a.score_threshold) continue;
        ordered_json attribute = {{"summaryScore", score_json(summary)}};
        if (request.span_annotations) {
            ordered_json span_scores = ordered_json::array();
            for (size_t i = 0; i < spans.size(); ++i)
                span_scores.push_back({{"begin", spans[i].begin},
                                       {"end", spans[i].end},
                                       {"score", score_json(score_of(verdicts[i + 1][p], a.name))}});
            attribute["spanScores"] = span_scores;
        }
        scores[a.name] = attribute;
    }
    ordered_json body = {{"attributeScores", scores},
                         {"languages", request.languages.empty() ? ordered_json::array({"en"})
                                                                 : ordered_json(request.languages)}};
    if (request.client_token) body["clientToken"] = *request.client_token;
    res.set_header("X-Request-Id", request_id);
    send_json(res, 200, body);
}

void suggest(ServiceContext& context, const ApiKeyEntry& caller, const HttpRequest& req, HttpResponse& res) {
    // A key that may review gives labels; any other key's scores are kept as suggestions, apart.
    const std::string_view source =
        role_allows(caller.role, Role::review) ? "perspective:suggestscore" : storage::kSuggestionSource;
    const SuggestRequest request =
        parse_suggest_request(parse_body(req), context.settings()->perspective_max_text_bytes);
    std::vector<std::string> names;
    for (const auto& [name, score] : request.scores) names.push_back(name);
    const std::vector<std::shared_ptr<const Policy>> policies = attribute_policies(context, names);
    const ClassifyItem item = parse_item_content(request.text, "comment.text");
    size_t p = 0;
    for (const auto& [name, score] : request.scores) {
        storage::Review review;
        review.policy_id = policies[p]->id;
        review.policy_version = policies[p]->version;
        review.content_json = item.content_json;
        review.content_sha256 = sha256_hex(user_message(item.content));
        review.violation = score >= 0.5;
        review.score = score;
        review.reviewer = caller.name;
        review.source = source;
        context.reviews.add(review);
        ++p;
    }
    ordered_json body = ordered_json::object();
    if (request.client_token) body["clientToken"] = *request.client_token;
    send_json(res, 200, body);
}

// The caller authorized by its key, and every refusal in Google's error shape, which Perspective's
// clients parse.
Handler google_errors(ServiceContext& context, const Router& router,
                      void (*handler)(ServiceContext&, const ApiKeyEntry&, const HttpRequest&,
                                      HttpResponse&)) {
    return [&context, &router, handler](const HttpRequest& req, HttpResponse& res) {
        try {
            const ApiKeyEntry caller = authorize_key(router.keys(), req);
            // The key's rate limit, as the router counts the rest of the API's requests: this route
            // takes its key from the query, where the router does not look.
            if (std::optional<HttpResponse> refusal =
                    router.keys() ? router.count_request(caller) : std::nullopt) {
                res = std::move(*refusal);  // its Retry-After, x-ratelimit-* headers and hold
                return send_google_error(res, 429,
                                         "Quota exceeded: key '" + caller.name + "' is over its rate limit.");
            }
            handler(context, caller, req, res);
        } catch (const ServiceError& e) {
            res = {};
            const Refusal refusal = e.refusal();
            if (refusal == Refusal::busy || refusal == Refusal::unavailable)
                res.set_header("Retry-After", "1");
            // Perspective answers an over-long comment with 400, as it does any bad request.
            send_google_error(res, refusal == Refusal::too_large ? 400 : http_status(refusal), e.what());
        } catch (const StoreError& e) {
            res = {};
            res.set_header("Retry-After", "5");
            send_google_error(res, 503, std::string("the database is unavailable: ") + e.what());
        }
    };
}

}  // namespace

void add_perspective_routes(Router& router, ServiceContext& context) {
    router.add("POST", "/v1alpha1/comments:analyze", std::nullopt, Cost::blocking,
               google_errors(context, router, analyze));
    router.add("POST", "/v1alpha1/comments:suggestscore", std::nullopt, Cost::blocking,
               google_errors(context, router, suggest));
    router.add(
        "GET", "/$discovery/rest", std::nullopt, Cost::quick, [](const HttpRequest& req, HttpResponse& res) {
            const std::string host = req.header("Host");
            send_json(res, 200, perspective_discovery("http://" + (host.empty() ? "127.0.0.1" : host) + "/"));
        });
}

}  // namespace arbiter::service
