#include <algorithm>

#include "core/json_input.h"
#include "core/service_error.h"
#include "http/http_reply.h"
#include "review/review_json.h"
#include "review/routes.h"

namespace arbiter::service {

namespace {

using ordered_json = nlohmann::ordered_json;

// In characters (code points), as docs/review-api.md says: 2,000 emoji are as welcome as 2,000
// letters. The body's limit bounds the bytes.
constexpr size_t kMaxNoteCharacters = 2000;

// The code points of valid UTF-8 text (parse_body has checked it): every byte but continuations.
size_t count_code_points(std::string_view text) {
    return static_cast<size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The content's own fields ("text", or "prompt" and "response", or "messages") into `line`, as
// input files and `arbiter eval` have them.
void put_content(ordered_json& line, const std::string& content_json) {
    const nlohmann::json content = nlohmann::json::parse(content_json, nullptr, false);
    if (content.is_string()) {
        line["text"] = content;
    } else if (content.is_object()) {
        for (const auto& [key, value] : content.items()) line[key] = value;
    }
}

// One review as a line `arbiter eval` reads.
ordered_json eval_line(const storage::Review& review) {
    ordered_json line = {{"id", "review-" + std::to_string(review.id)}};
    put_content(line, review.content_json);
    line["label"] = review.violation ? 1 : 0;
    line["policy_version"] = review.policy_version;
    line["reviewer"] = review.reviewer;
    line["source"] = review.source;
    return line;
}

int64_t decision_id_of(const std::string& text) {
    const std::optional<int> id = whole_number(text);
    if (!id || *id < 1)
        throw ServiceError(Refusal::invalid, "decision must be a decision id (a whole number from 1)");
    return *id;
}

void add_review(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const nlohmann::json body = parse_body(req);
    if (!body.is_object())
        throw ServiceError(Refusal::invalid,
                           "the body must be a JSON object: {\"decision_id\", \"violation\"}");
    for (const auto& [key, value] : body.items()) {
        if (key != "decision_id" && key != "violation" && key != "note")
            throw ServiceError(Refusal::invalid,
                               "unknown field '" + key + "' (known: decision_id, violation, note)");
    }
    const std::optional<int64_t> asked =
        body.contains("decision_id") ? whole_number_in(body["decision_id"], 1, INT64_MAX) : std::nullopt;
    if (!asked)
        throw ServiceError(Refusal::invalid, "decision_id must be a decision id (a whole number from 1)");
    if (!body.contains("violation") || !body["violation"].is_boolean())
        throw ServiceError(Refusal::invalid, "violation must be true or false: the correct label");
    std::string note;
    if (body.contains("note")) {
        if (!body["note"].is_string()) throw ServiceError(Refusal::invalid, "note must be a string");
        note = body["note"].get<std::string>();
        const size_t characters = count_code_points(note);
        if (characters > kMaxNoteCharacters)
            throw ServiceError(Refusal::invalid, "note is " + std::to_string(characters) +
                                                     " characters; the limit is " +
                                                     std::to_string(kMaxNoteCharacters));
    }
    const int64_t decision_id = *asked;
    const std::optional<ordered_json> row = context.log.row(decision_id);
    if (!row || (*row)["shadow"].get<bool>())
        throw ServiceError(Refusal::not_found, "no decision " + std::to_string(decision_id));
    if ((*row)["content"].is_null())
        throw ServiceError(
            Refusal::invalid,
            "decision " + std::to_string(decision_id) +
                " has no stored content (the server kept only its hash): it cannot be reviewed");
    const std::optional<bool> model = logged_violation(*row);
    if (!model)
        throw ServiceError(Refusal::invalid,
                           "decision " + std::to_string(decision_id) + " has no verdict to review (status " +
                               (*row)["verdict"].value("status", std::string("unknown")) + ")");
    storage::ReviewLog& reviews = context.reviews;
    const std::string reviewer = caller_name(req);
    for (const storage::Review& r : reviews.of_decision(decision_id)) {
        if (r.reviewer == reviewer)
            throw ServiceError(Refusal::conflict,
                               "'" + reviewer + "' already reviewed decision " + std::to_string(decision_id));
    }
    storage::Review review;
    review.policy_id = (*row)["policy_id"].get<std::string>();
    review.policy_version = (*row)["policy_version"].get<int>();
    review.content_json = (*row)["content"].dump();
    review.content_sha256 = (*row)["content_sha256"].get<std::string>();
    review.violation = body["violation"].get<bool>();
    review.reviewer = reviewer;
    review.source = "console";
    review.note = note;
    review.decision_id = decision_id;
    review.created_at = storage::utc_timestamp_now();
    review.id = reviews.add(review);
    send_json(res, 201, review_json(review, model));
}

void get_reviews(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::optional<std::string> decision = req.param("decision");
    const std::optional<std::string> policy = req.param("policy");
    if (decision.has_value() == policy.has_value())
        throw ServiceError(Refusal::invalid,
                           "name one of policy or decision: GET /v1/reviews?policy=ID (JSONL for arbiter "
                           "eval) or ?decision=ID");
    storage::ReviewLog& reviews = context.reviews;
    if (decision) {
        const int64_t id = decision_id_of(*decision);
        const std::optional<ordered_json> row = context.log.row(id);
        const std::optional<bool> model = row ? logged_violation(*row) : std::nullopt;
        ordered_json list = ordered_json::array();
        for (const storage::Review& r : reviews.of_decision(id)) list.push_back(review_json(r, model));
        return send_json(res, 200, {{"decision_id", id}, {"reviews", list}});
    }
    res.content_type = "application/x-ndjson";
    for (const storage::Review& r : reviews.of_policy(*policy)) {
        // An erased review keeps its label but has no content left to learn from.
        if (storage::is_label(r) && r.content_json != storage::kErasedContent)
            res.body += eval_line(r).dump() + "\n";
    }
}

void labelled_sets(ServiceContext& context, HttpResponse& res) {
    ordered_json sets = ordered_json::array();
    for (const auto& policy : context.policies.current_all()) {
        const std::vector<storage::Review> reviews = context.reviews.of_policy(policy->id);
        const std::vector<storage::LabelledItem> items = storage::labelled_set(reviews);
        size_t violations = 0;
        size_t ties = 0;
        for (const storage::LabelledItem& item : items) {
            violations += item.violation ? 1 : 0;
            ties += item.tie ? 1 : 0;
        }
        sets.push_back(
            {{"policy", policy->id}, {"items", items.size()}, {"violations", violations}, {"ties", ties}});
    }
    send_json(res, 200, {{"sets", sets}});
}

void labelled_set(ServiceContext& context, const HttpRequest& req, HttpResponse& res) {
    const std::string& policy = req.path_params.at(0);
    if (context.policies.versions(policy).empty())
        throw ServiceError(Refusal::not_found, "no policy '" + policy + "'");
    const std::vector<storage::Review> reviews = context.reviews.of_policy(policy);
    res.content_type = "application/x-ndjson";
    res.set_header("Content-Disposition", "attachment; filename=\"" + policy + "-labelled.jsonl\"");
    for (const storage::LabelledItem& item : storage::labelled_set(reviews)) {
        const storage::Review& first = *item.first;
        ordered_json line = {{"id", storage::labelled_item_id(first)}};
        put_content(line, first.content_json);
        line["label"] = item.violation ? 1 : 0;
        line["reviews"] = item.reviews;
        line["reviewers"] = item.reviewers;
        res.body += line.dump() + "\n";
    }
}

}  // namespace

void add_review_routes(Router& router, ServiceContext& context) {
    router.add("GET", "/v1/reviews", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { get_reviews(context, req, res); });
    router.add("POST", "/v1/reviews", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { add_review(context, req, res); });
    router.add("GET", "/v1/labelled-sets", Role::review, Cost::blocking,
               [&context](const HttpRequest&, HttpResponse& res) { labelled_sets(context, res); });
    router.add("GET", "/v1/labelled-sets/{policy}", Role::review, Cost::blocking,
               [&context](const HttpRequest& req, HttpResponse& res) { labelled_set(context, req, res); });
}

}  // namespace arbiter::service
