#include "service/server.h"

#include <httplib.h>
#include <openssl/rand.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <thread>

#include "core/content_layout.h"
#include "core/policy_file.h"
#include "core/policy_json.h"
#include "core/verdict_json.h"
#include "service/bounded_task_queue.h"
#include "service/classify_request.h"
#include "service/job_runner.h"
#include "service/metrics.h"
#include "service/moderation.h"
#include "service/request_error.h"
#include "service/sha256.h"

namespace arbiter::service {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Metrics name requests by endpoint, a fixed set, whatever path a client sends.
std::string_view endpoint_of(const std::string& path) {
    for (std::string_view e : {"/v1/classify", "/v1/moderations", "/v1/policies", "/v1/decisions", "/healthz",
                               "/readyz", "/metrics"}) {
        if (path == e ||
            (path.size() > e.size() && path.compare(0, e.size(), e) == 0 && path[e.size()] == '/'))
            return e;
    }
    return "other";
}

std::string_view error_type(int status) {
    switch (status) {
    case 401:
        return "authentication_error";
    case 403:
        return "permission_error";
    case 404:
        return "not_found_error";
    case 409:
        return "conflict_error";
    case 413:
        return "request_too_large";
    case 429:
        return "rate_limit_error";
    case 504:
        return "timeout_error";
    default:
        return status >= 500 ? "server_error" : "invalid_request_error";
    }
}

void send_json(httplib::Response& res, int status, const ordered_json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(
        res, status,
        {{"error", {{"message", message}, {"type", std::string(error_type(status))}, {"code", status}}}});
}

std::string random_id(std::string_view prefix) {
    unsigned char bytes[12];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no random bytes for an id");
    std::string id(prefix);
    static constexpr char kHex[] = "0123456789abcdef";
    for (unsigned char b : bytes) {
        id.push_back(kHex[b >> 4]);
        id.push_back(kHex[b & 0xf]);
    }
    return id;
}

json parse_body(const httplib::Request& req) {
    try {
        return json::parse(req.body);
    } catch (const json::parse_error& e) {
        throw RequestError(400, std::string("the body is not valid JSON: ") + e.what());
    }
}

// A query parameter that must be a whole number.
std::optional<int> whole_number(const std::string& text) {
    int value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (error != std::errc() || stop != end) return std::nullopt;
    return value;
}

// Fills a timed-out verdict's decision where the configuration says what a timeout means.
void apply_on_timeout(Verdict& v, OnTimeout on_timeout) {
    if (v.status != VerdictStatus::timeout || on_timeout == OnTimeout::error) return;
    v.violation = on_timeout == OnTimeout::fail_closed;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

class Server::Impl {
public:
    Impl(ServiceConfig config, PolicyStore& policies, DecisionLog& log, std::optional<ApiKeys> keys)
        : config_(std::move(config)), policies_(policies), log_(log), keys_(std::move(keys)) {
        http_.new_task_queue = [this] {
            return new BoundedTaskQueue(static_cast<size_t>(config_.http_threads),
                                        static_cast<size_t>(config_.http_threads) * 4);
        };
        http_.set_payload_max_length(config_.max_body_bytes);
        // httplib's default adds SO_REUSEPORT, with which a second server on the same port binds
        // without error and silently takes half the traffic. SO_REUSEADDR alone still allows a
        // quick restart.
        http_.set_socket_options([](socket_t sock) {
            int yes = 1;
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });
        http_.set_keep_alive_max_count(1000);
        http_.set_read_timeout(std::chrono::seconds(30));
        http_.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
            request_start() = Clock::now();
            return httplib::Server::HandlerResponse::Unhandled;
        });
        http_.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            const double seconds = std::chrono::duration<double>(Clock::now() - request_start()).count();
            metrics_.request(endpoint_of(req.path), res.status, seconds);
        });
        http_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return;
            if (res.status == 404)
                return send_error(res, 404, "no such endpoint: " + req.method + " " + req.path);
            if (res.status == 413) return send_error(res, 413, "the request body is too large");
            send_error(res, res.status, "HTTP " + std::to_string(res.status));
        });
        http_.set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, const std::exception_ptr& e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    send_error(res, 500, std::string("internal error: ") + ex.what());
                } catch (...) {
                    send_error(res, 500, "internal error");
                }
            });
        routes();
    }

    void set_backend(engine::Backend& backend) {
        std::lock_guard lock(backend_mutex_);
        runner_ = std::make_unique<JobRunner>(backend, config_.queue_depth);
        backend_ = &backend;
    }

    void set_policy_check(std::function<void(const Policy&)> check) { policy_check_ = std::move(check); }

    int bind() {
        if (config_.port == 0) {
            const int port = http_.bind_to_any_port(config_.host);
            if (port < 0) throw std::runtime_error("cannot listen on " + config_.host);
            return port;
        }
        if (!http_.bind_to_port(config_.host, config_.port))
            throw std::runtime_error("cannot listen on " + config_.host + ":" + std::to_string(config_.port) +
                                     " (in use, or not an address of this machine)");
        return config_.port;
    }

    void run() {
        started_ = true;
        if (!draining_) http_.listen_after_bind();
        finished_ = true;
    }

    // httplib's stop() does nothing before its listen loop has started, so it is repeated until
    // run() has returned; a run() that starts after this sees draining_ and returns at once.
    void stop() {
        draining_ = true;
        while (started_ && !finished_) {
            http_.stop();
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }

private:
    static Clock::time_point& request_start() {
        thread_local Clock::time_point start = Clock::now();
        return start;
    }

    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

    // Every API route checks its key and turns RequestError into its status.
    Handler guarded(std::optional<Role> role, Handler handler) {
        return
            [this, role, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
                try {
                    if (role) authorize(req, *role);
                    handler(req, res);
                } catch (const RequestError& e) {
                    if (e.status() == 401) res.set_header("WWW-Authenticate", "Bearer");
                    if (e.status() == 429 || e.status() == 503) res.set_header("Retry-After", "1");
                    send_error(res, e.status(), e.what());
                } catch (const SqliteError& e) {
                    send_error(res, 503, std::string("the decision log is unavailable: ") + e.what());
                }
            };
    }

    void authorize(const httplib::Request& req, Role needed) const {
        if (!keys_) return;
        const std::string header = req.get_header_value("Authorization");
        constexpr std::string_view kBearer = "Bearer ";
        if (header.compare(0, kBearer.size(), kBearer) != 0)
            throw RequestError(401, "an API key is required: Authorization: Bearer <key>");
        const std::optional<ApiKeyEntry> entry = keys_->find(std::string_view(header).substr(kBearer.size()));
        if (!entry) throw RequestError(401, "the API key is not valid");
        if (needed == Role::admin && entry->role != Role::admin)
            throw RequestError(403, "this needs an admin key; '" + entry->name + "' is a classify key");
    }

    JobRunner& runner() {
        std::lock_guard lock(backend_mutex_);
        if (runner_ == nullptr) throw RequestError(503, "the model is still loading");
        if (draining_) throw RequestError(503, "the server is shutting down");
        return *runner_;
    }

    void routes() {
        http_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
            send_json(res, 200, {{"status", "alive"}});
        });
        http_.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(backend_mutex_);
            if (draining_) return send_json(res, 503, {{"status", "draining"}});
            if (backend_ == nullptr) return send_json(res, 503, {{"status", "loading"}});
            send_json(res, 200, {{"status", "ready"}, {"policies", policies_.current_all().size()}});
        });
        http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(backend_mutex_);
            const size_t depth = runner_ ? runner_->depth() : 0;
            res.set_content(metrics_.render(depth, config_.queue_depth), "text/plain; version=0.0.4");
        });
        http_.Post("/v1/classify",
                   guarded(Role::classify, [this](const auto& req, auto& res) { classify(req, res); }));
        http_.Post("/v1/moderations",
                   guarded(Role::classify, [this](const auto& req, auto& res) { moderate(req, res); }));
        http_.Get("/v1/policies", guarded(Role::classify, [this](const auto&, auto& res) {
                      ordered_json list = ordered_json::array();
                      for (const auto& p : policies_.current_all()) list.push_back(policy_to_json(*p));
                      send_json(res, 200, {{"policies", list}});
                  }));
        http_.Get(R"(/v1/policies/([^/]+))",
                  guarded(Role::classify, [this](const auto& req, auto& res) { get_policy(req, res); }));
        http_.Put(R"(/v1/policies/([^/]+))",
                  guarded(Role::admin, [this](const auto& req, auto& res) { put_policy(req, res); }));
        http_.Delete(R"(/v1/policies/([^/]+))", guarded(Role::admin, [this](const auto& req, auto& res) {
                         const std::string id = req.matches[1];
                         if (!policies_.remove(id)) throw RequestError(404, "no policy '" + id + "'");
                         res.status = 204;
                     }));
        http_.Get("/v1/decisions",
                  guarded(Role::admin, [this](const auto& req, auto& res) { decisions(req, res); }));
    }

    // Classifies every item against every policy; item-major verdicts. Applies the token limit,
    // the queue bound and the deadline, and logs every verdict before returning.
    std::vector<std::vector<Verdict>> run_items(const std::string& request_id,
                                                const std::vector<ClassifyItem>& items,
                                                const std::vector<std::shared_ptr<const Policy>>& policies,
                                                const std::vector<bool>& inline_policy, engine::Mode mode,
                                                std::optional<ReasoningEffort> effort,
                                                int max_reasoning_tokens, OnTimeout on_timeout) {
        JobRunner& jobs_runner = runner();
        for (const ClassifyItem& item : items) check_tokens(item);

        std::vector<engine::Job> jobs;
        for (const ClassifyItem& item : items) {
            for (const auto& policy : policies) {
                engine::Job job;
                job.policy = policy;
                job.content = item.content;
                job.mode = mode;
                job.effort = effort;
                job.max_reasoning_tokens = max_reasoning_tokens;
                jobs.push_back(std::move(job));
            }
        }
        std::optional<std::vector<Verdict>> verdicts =
            jobs_runner.run(std::move(jobs), Clock::now() + config_.request_timeout);
        if (!verdicts)
            throw RequestError(
                429, "the queue is full (" + std::to_string(config_.queue_depth) + " jobs); retry shortly");

        std::vector<std::string> content_hashes;
        content_hashes.reserve(items.size());
        for (const ClassifyItem& item : items)
            content_hashes.push_back(sha256_hex(user_message(item.content)));
        std::vector<std::vector<Verdict>> by_item(items.size());
        std::vector<Decision> decisions;
        bool timed_out = false;
        const std::string mode_name = mode == engine::Mode::score ? "score" : "reason";
        for (size_t i = 0; i < items.size(); ++i) {
            for (size_t p = 0; p < policies.size(); ++p) {
                Verdict v = std::move((*verdicts)[i * policies.size() + p]);
                apply_on_timeout(v, on_timeout);
                timed_out = timed_out || (v.status == VerdictStatus::timeout && !v.violation);
                metrics_.verdict(
                    v, inline_policy[p] ? std::string_view("(inline)") : std::string_view(v.policy_id));
                decisions.push_back({request_id, items[i].id, items[i].content_json, content_hashes[i],
                                     mode_name, v, verdict_to_json(items[i].id, v)});
                by_item[i].push_back(std::move(v));
            }
        }
        log_.record(decisions);
        if (timed_out)
            throw RequestError(
                504, "no verdict within " + std::to_string(config_.request_timeout.count()) + " ms");
        return by_item;
    }

    void check_tokens(const ClassifyItem& item) {
        const std::optional<int> counted = backend_->content_tokens(item.content);
        // Where the backend cannot count, about four bytes make a token.
        const size_t bytes = item.content_json.size();
        const size_t tokens = counted ? static_cast<size_t>(*counted) : bytes / 4;
        if (tokens > static_cast<size_t>(config_.max_content_tokens))
            throw RequestError(413, "item '" + item.id + "' has " + std::string(counted ? "" : "about ") +
                                        std::to_string(tokens) + " content tokens; the limit is " +
                                        std::to_string(config_.max_content_tokens));
    }

    std::shared_ptr<const Policy> known_policy(const std::string& id) const {
        std::shared_ptr<const Policy> policy = policies_.current(id);
        if (!policy) throw RequestError(404, "no policy '" + id + "'");
        return policy;
    }

    void classify(const httplib::Request& req, httplib::Response& res) {
        const ClassifyRequest request = parse_classify_request(parse_body(req), config_.max_items);
        std::vector<std::shared_ptr<const Policy>> policies;
        std::vector<bool> inline_policy;
        for (const PolicyRef& ref : request.policies) {
            policies.push_back(ref.inline_policy ? ref.inline_policy : known_policy(ref.id));
            inline_policy.push_back(ref.inline_policy != nullptr);
        }
        const std::string request_id = random_id("req_");
        const auto verdicts = run_items(request_id, request.items, policies, inline_policy, request.mode,
                                        request.effort, request.max_reasoning_tokens, config_.on_timeout);

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

    void moderate(const httplib::Request& req, httplib::Response& res) {
        const ModerationRequest request = parse_moderation_request(parse_body(req), config_.max_items);
        const std::string model = request.model.value_or("default");
        PolicySet set;
        if (const auto it = config_.policy_sets.find(model); it != config_.policy_sets.end()) {
            set = it->second;
        } else if (model != "default") {
            std::string names = "default";
            for (const auto& [name, s] : config_.policy_sets) names += name == "default" ? "" : ", " + name;
            throw RequestError(404, "no policy set '" + model + "' on this server (sets: " + names + ")");
        }
        std::vector<std::shared_ptr<const Policy>> policies;
        if (set.policies.empty()) {
            policies = policies_.current_all();
        } else {
            for (const std::string& id : set.policies) policies.push_back(known_policy(id));
        }
        if (policies.empty()) throw RequestError(404, "policy set '" + model + "' has no policies");

        const OnTimeout on_timeout = set.on_timeout.value_or(config_.on_timeout);
        const std::string request_id = random_id("modr-");
        std::vector<std::vector<Verdict>> verdicts =
            run_items(request_id, request.inputs, policies, std::vector<bool>(policies.size(), false),
                      set.mode, std::nullopt, 0, on_timeout);
        // The moderation format has no per-item error: a failed verdict fails the request unless
        // the set says what a missing verdict means.
        for (auto& item : verdicts) {
            for (Verdict& v : item) {
                if (v.status == VerdictStatus::ok || v.status == VerdictStatus::timeout) continue;
                if (on_timeout == OnTimeout::error)
                    throw RequestError(502,
                                       "policy '" + v.policy_id + "' gave no verdict: " +
                                           (v.error.empty() ? std::string(to_string(v.status)) : v.error));
                v.violation = on_timeout == OnTimeout::fail_closed;
            }
        }
        res.set_header("X-Request-Id", request_id);
        send_json(res, 200, moderation_response(request_id, model, set, verdicts));
    }

    void get_policy(const httplib::Request& req, httplib::Response& res) {
        const std::string id = req.matches[1];
        if (!req.has_param("version")) {
            const auto policy = known_policy(id);
            return send_json(res, 200, policy_to_json(*policy));
        }
        const std::string text = req.get_param_value("version");
        const int version = whole_number(text).value_or(0);
        if (version < 1) throw RequestError(400, "version must be a whole number from 1");
        const std::optional<PolicyVersion> stored = policies_.version(id, version);
        if (!stored) throw RequestError(404, "policy '" + id + "' has no version " + text);
        ordered_json body = policy_to_json(*stored->policy);
        body["created_at"] = stored->created_at;
        body["deleted"] = stored->deleted;
        send_json(res, 200, body);
    }

    void put_policy(const httplib::Request& req, httplib::Response& res) {
        const std::string id = req.matches[1];
        if (!valid_policy_id(id))
            throw RequestError(400, "policy id '" + id + "' must be 1-64 letters, digits, '-', '_' or '.'");
        Policy policy;
        try {
            const bool is_json = req.get_header_value("Content-Type").find("json") != std::string::npos;
            if (is_json) {
                policy = policy_from_json(parse_body(req), id);
            } else {
                // A policy file: Markdown with optional front matter, as in the policies folder.
                policy = parse_policy(req.body, id + ".md");
                if (policy.id != id)
                    throw PolicyError("the front matter's id '" + policy.id + "' does not match '" + id +
                                      "'");
            }
            if (policy_check_) policy_check_(policy);
        } catch (const PolicyError& e) {
            throw RequestError(400, e.what());
        }
        const bool existed = policies_.current(id) != nullptr;
        std::shared_ptr<const Policy> stored;
        try {
            stored = policies_.put(std::move(policy));
        } catch (const VersionConflict& e) {
            throw RequestError(409, e.what());
        }
        send_json(res, existed ? 200 : 201, policy_to_json(*stored));
    }

    void decisions(const httplib::Request& req, httplib::Response& res) {
        DecisionQuery query;
        for (const auto& [key, value] : req.params) {
            if (key != "policy" && key != "violation" && key != "since" && key != "limit")
                throw RequestError(
                    400, "unknown parameter '" + key + "' (known: policy, violation, since, limit)");
        }
        if (req.has_param("policy")) query.policy = req.get_param_value("policy");
        if (req.has_param("violation")) {
            const std::string v = req.get_param_value("violation");
            if (v != "true" && v != "false") throw RequestError(400, "violation must be true or false");
            query.violation = v == "true";
        }
        if (req.has_param("since")) {
            query.since = req.get_param_value("since");
            if (!valid_utc_timestamp(*query.since))
                throw RequestError(400, "since must be an ISO 8601 UTC time, e.g. 2026-11-27T20:00:00Z");
        }
        if (req.has_param("limit")) {
            query.limit = whole_number(req.get_param_value("limit")).value_or(0);
            if (query.limit < 1 || query.limit > 1000)
                throw RequestError(400, "limit must be from 1 to 1000");
        }
        ordered_json rows = ordered_json::array();
        for (auto& row : log_.query(query)) rows.push_back(std::move(row));
        send_json(res, 200, {{"decisions", rows}});
    }

    ServiceConfig config_;
    PolicyStore& policies_;
    DecisionLog& log_;
    std::optional<ApiKeys> keys_;
    Metrics metrics_;
    std::mutex backend_mutex_;
    engine::Backend* backend_ = nullptr;
    std::unique_ptr<JobRunner> runner_;
    std::function<void(const Policy&)> policy_check_;  // set before run(): read-only while serving
    std::atomic<bool> draining_ = false;
    std::atomic<bool> started_ = false;
    std::atomic<bool> finished_ = false;
    httplib::Server http_;
};

Server::Server(ServiceConfig config, PolicyStore& policies, DecisionLog& log, std::optional<ApiKeys> keys)
    : impl_(std::make_unique<Impl>(std::move(config), policies, log, std::move(keys))) {}
Server::~Server() = default;
void Server::set_backend(engine::Backend& backend) {
    impl_->set_backend(backend);
}
void Server::set_policy_check(std::function<void(const Policy&)> check) {
    impl_->set_policy_check(std::move(check));
}
int Server::bind() {
    return impl_->bind();
}
void Server::run() {
    impl_->run();
}
void Server::stop() {
    impl_->stop();
}

}  // namespace arbiter::service
