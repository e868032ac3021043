#include "http/router.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "core/service_error.h"
#include "core/store_error.h"
#include "http/http_reply.h"
#include "http/late_response.h"
#include "http/request_trace.h"

namespace arbiter::service {

namespace {

std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> segments;
    size_t at = 1;  // after the leading '/'
    while (at <= path.size()) {
        const size_t slash = std::min(path.find('/', at), path.size());
        segments.push_back(path.substr(at, slash - at));
        at = slash + 1;
    }
    return segments;
}

}  // namespace

bool Router::replace_keys(ApiKeys keys) {
    KeyRing* ring = admission_->keys();
    if (!ring) return false;
    ring->replace(std::move(keys));
    return true;
}

std::optional<HttpResponse> Router::admit(HttpRequest& request, Match& match) const {
    if (match.route_ == nullptr || match.admitted_) return std::nullopt;
    trace(request, match);
    const int64_t start = unix_nanos();
    std::optional<HttpResponse> refusal = admission_->admit(request, match.route_->role, match.counted_);
    record_admission(request, start, refusal ? refusal->status : 0);
    match.admitted_ = !refusal;
    if (refusal) {
        counter_(match.route_->pattern, refusal->status, 0);  // counted here: nowhere else
        end_server_span(request.tracing, std::move(match.span_), match.route_->pattern, refusal->status);
    }
    return refusal;
}

void Router::add(std::string method, const std::string& pattern, std::optional<Role> role, Cost cost,
                 Handler handler) {
    std::vector<std::string> segments = split_path(pattern);
    for (std::string& s : segments) {
        if (s.size() > 2 && s.front() == '{' && s.back() == '}') s = "{}";
    }
    routes_.push_back({std::move(method), pattern, std::move(segments), role, cost, std::move(handler)});
}

std::vector<RouteInfo> Router::routes() const {
    std::vector<RouteInfo> out;
    for (const Route& r : routes_) out.push_back({r.method, r.pattern, r.role});
    return out;
}

std::string_view Router::label_of(const std::string& path) const {
    const std::vector<std::string> segments = split_path(path);
    for (const Route& r : routes_) {
        if (matches(r, segments, nullptr)) return r.pattern;
    }
    return "other";
}

bool Router::matches(const Route& route, const std::vector<std::string>& segments,
                     std::vector<std::string>* params) {
    if (route.segments.size() != segments.size()) return false;
    for (size_t i = 0; i < segments.size(); ++i) {
        if (route.segments[i] == "{}") {
            if (segments[i].empty()) return false;
            if (params) params->push_back(segments[i]);
        } else if (route.segments[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

Router::Match Router::match(const HttpRequest& request) const {
    const std::vector<std::string> segments = split_path(request.path);
    Match match;
    for (const Route& route : routes_) {
        std::vector<std::string> params;
        if (!matches(route, segments, &params)) continue;
        match.path_known_ = true;
        if (route.method != request.method) continue;
        match.route_ = &route;
        match.params_ = std::move(params);
        break;
    }
    return match;
}

void Router::trace(HttpRequest& request, Match& match) const {
    if (match.traced_) return;
    match.span_ = begin_server_span(request, span_sink_, include_content_);
    match.traced_ = true;
}

Cost Router::Match::cost() const {
    return route_ ? route_->cost : Cost::quick;
}

int http_status(Refusal refusal) {
    switch (refusal) {
    case Refusal::invalid:
        return 400;
    case Refusal::unauthenticated:
        return 401;
    case Refusal::forbidden:
        return 403;
    case Refusal::not_found:
        return 404;
    case Refusal::conflict:
        return 409;
    case Refusal::misdirected:
        return 421;
    case Refusal::too_large:
        return 413;
    case Refusal::busy:
        return 429;
    case Refusal::internal:
        break;
    case Refusal::upstream_failed:
        return 502;
    case Refusal::unavailable:
        return 503;
    case Refusal::timed_out:
        return 504;
    }
    return 500;
}

HttpResponse refusal_of_current_exception() {
    HttpResponse response;
    try {
        throw;
    } catch (const ServiceError& e) {
        const Refusal refusal = e.refusal();
        if (refusal == Refusal::unauthenticated) response.set_header("WWW-Authenticate", "Bearer");
        if (refusal == Refusal::busy || refusal == Refusal::unavailable)
            response.set_header("Retry-After", "1");
        send_error(response, http_status(refusal), e.what());
    } catch (const StoreError& e) {
        response.set_header("Retry-After", "5");
        send_error(response, 503, std::string("the database is unavailable: ") + e.what());
    } catch (const std::exception& e) {
        send_error(response, 500, std::string("internal error: ") + e.what());
    }
    return response;
}

void Router::run(const Route& route, HttpRequest& request, HttpResponse& response) const {
    try {
        route.handler(request, response);
    } catch (const std::exception&) {
        response = refusal_of_current_exception();
    }
}

HttpResponse Router::handle(HttpRequest request) const {
    Match found = match(request);
    return handle(std::move(request), std::move(found));
}

HttpResponse Router::handle(HttpRequest request, Match match) const {
    const auto start = std::chrono::steady_clock::now();
    trace(request, match);
    HttpResponse response;
    std::string_view endpoint = "other";
    if (match.route_ != nullptr) {
        endpoint = match.route_->pattern;  // the route already found: no second pass over the table
        request.path_params = std::move(match.params_);
        if (std::optional<HttpResponse> refusal = admit(request, match)) return std::move(*refusal);
        run(*match.route_, request, response);
        Admission::add_rate_headers(response, match.counted_);
    } else if (match.path_known_) {
        endpoint = label_of(request.path);
        std::string allow;
        for (const Route& r : routes_) {
            HttpRequest probe;
            probe.method = r.method;
            probe.path = request.path;
            if (this->match(probe).route_ != nullptr && allow.find(r.method) == std::string::npos)
                allow += (allow.empty() ? "" : ", ") + r.method;
        }
        response.set_header("Allow", allow);
        send_error(response, 405,
                   request.method + " is not allowed on " + request.path + " (allowed: " + allow + ")");
    } else {
        send_error(response, 404, "no such endpoint: " + request.method + " " + request.path);
    }
    if (response.later) {
        // Counted when it is answered: a relay that delivers it on, with the metrics on the way.
        auto relayed = std::make_shared<LateResponse>();
        response.later->when_ready([this, endpoint, start, relayed, counted = match.counted_,
                                    tracing = request.tracing,
                                    span = std::move(match.span_)](HttpResponse late) mutable {
            Admission::add_rate_headers(late, counted);
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            counter_(endpoint, late.status, seconds);
            end_server_span(tracing, std::move(span), endpoint, late.status);
            relayed->deliver(std::move(late));
        });
        response.later = std::move(relayed);
        return response;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    counter_(endpoint, response.status, seconds);
    end_server_span(request.tracing, std::move(match.span_), endpoint, response.status);
    return response;
}

void Router::count(const std::string& path, int status) const {
    counter_(label_of(path), status, 0);
}

}  // namespace arbiter::service
