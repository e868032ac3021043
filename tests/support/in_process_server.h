#pragma once
// The service without a process or a socket, for route tests: the Server over a SQLite file, the
// example policies stored, and a backend that answers every job at once with a fixed score, so
// that a route's behaviour is tested in milliseconds and on its own. Requests go through the
// router exactly as the transport hands them over (Server::handle), keys and all; a late answer is
// waited for and a streamed one read to its end, as a client would.
//
// What it cannot stand in for stays on a real `arbiter serve` (support/server_process.h): the
// transport's limits and sockets, signals, the embedded engine's stream sessions, the console.

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "cascade/rule_set.h"
#include "core/backend.h"
#include "core/policy_file.h"
#include "http/body_stream.h"
#include "http/late_response.h"
#include "llama/embedded_engine.h"
#include "server/server.h"
#include "support/scratch.h"
#include "support/service_client.h"
#include "support/test_model.h"

namespace arbiter::test {

// Answers each job at once: ok, P(violation) 0.25 (no violation), a short rationale in reason mode.
class InstantBackend : public Backend {
public:
    JobId submit(Job job, Done done) override {
        Verdict v;
        v.policy_id = job.policy->id;
        v.policy_version = job.policy->version;
        v.status = VerdictStatus::ok;
        v.violation = false;
        v.probability = 0.25;
        if (job.mode == Mode::reason) v.rationale = "nothing in it breaks the policy";
        done(std::move(v));
        return ++next_;
    }
    void cancel(JobId) override {}

private:
    JobId next_ = 0;
};

// What a server is started with beside its database: as `arbiter serve`'s --config, --api-keys,
// --model (the tiny model) and --streams.
struct InProcessOptions {
    service::ServiceConfig config;
    std::optional<std::filesystem::path> keys_file;
    bool engine = false;  // the embedded engine on the tiny model, as serve runs it; else InstantBackend
    int streams = 0;      // the engine's stream sessions
    int max_reasoning_tokens = 0;  // the engine's default budget (--max-reasoning-tokens); 0: serve's
};

class InProcessServer {
public:
    // The database at `db` (support/service_client.h's fresh_db, or one a test wrote rows into).
    InProcessServer(const std::filesystem::path& db, InProcessOptions options) {
        store_ = std::make_unique<storage::PolicyStore>(db);
        store_->seed(load_policies(ARBITER_SOURCE_DIR "/examples/policies"));
        log_ = std::make_unique<storage::DecisionLog>(db, options.config.store_content);
        reviews_ = std::make_unique<storage::ReviewLog>(db);
        queue_ = std::make_unique<storage::ReviewQueue>(db);
        runs_ = std::make_unique<storage::RunStore>(db);
        shadows_ = std::make_unique<storage::ShadowVersions>(db, *store_);
        audit_ = std::make_unique<storage::AuditLog>(db);
        std::optional<service::ApiKeys> keys;
        if (options.keys_file) keys = service::ApiKeys::load(*options.keys_file);
        server_ = std::make_unique<service::Server>(service::ServiceParts{.config = std::move(options.config),
                                                                          .policies = *store_,
                                                                          .log = *log_,
                                                                          .reviews = *reviews_,
                                                                          .queue = *queue_,
                                                                          .runs = *runs_,
                                                                          .shadows = *shadows_,
                                                                          .audit = *audit_,
                                                                          .policy_check = compile_rules},
                                                    std::move(keys));
        if (!options.engine) {
            server_->set_backend(instant_);
        } else {
            engine_ = std::make_unique<engine::EmbeddedEngine>(
                tiny_engine_options(options.streams, options.max_reasoning_tokens));
            server_->set_backend(*engine_, options.streams > 0 ? engine_.get() : nullptr);
        }
    }

    // As serve stops: the server drains (eval runs cancelled), then the engine answers what is left
    // (into the server's job runner), then the server goes, then the stores.
    ~InProcessServer() {
        server_->stop();
        engine_.reset();
        server_.reset();
    }
    InProcessServer(const InProcessServer&) = delete;
    InProcessServer& operator=(const InProcessServer&) = delete;

    service::Server& server() { return *server_; }

    // One request as the transport hands it over, its answer as a client reads it.
    service::HttpResponse handle(service::HttpRequest request) const {
        return whole(server_->handle(std::move(request)));
    }

    // One request; `body` is sent as it is (JSON text, usually).
    service::HttpResponse send(const std::string& method, const std::string& target,
                               const std::string& body = "", const std::string& key = "",
                               const std::string& content_type = "application/json") const {
        service::HttpRequest req;
        req.method = method;
        if (!service::split_target(target, req.path, req.query)) req.path = target;
        if (!body.empty() || method == "POST" || method == "PUT")
            req.headers.emplace_back("Content-Type", content_type);
        if (!key.empty()) req.headers.emplace_back("Authorization", "Bearer " + key);
        req.body = body;
        return handle(std::move(req));
    }

private:
    // As serve checks a policy before storing it: its rules must compile.
    static void compile_rules(const Policy& policy) {
        const cascade::RuleSet rules({std::make_shared<const Policy>(policy)});
    }
    // serve's engine for `--model tiny --streams N` and the example policies.
    static engine::EngineOptions tiny_engine_options(int streams, int max_reasoning_tokens) {
        engine::EngineOptions o;
        if (max_reasoning_tokens > 0) o.max_reasoning_tokens = max_reasoning_tokens;
        o.model = tiny_model();
        o.context = 16384;
        o.streams = streams;
        o.prefix_slots = 7;  // the three policies and four inline ones
        return o;
    }

    // The answer as a client reads it: a late one waited for, a streamed one read to its end.
    static service::HttpResponse whole(service::HttpResponse response) {
        if (response.later) {
            std::promise<service::HttpResponse> promise;
            std::future<service::HttpResponse> delivered = promise.get_future();
            response.later->when_ready(
                [&promise](service::HttpResponse r) { promise.set_value(std::move(r)); });
            if (delivered.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
                throw std::runtime_error("a late answer never came");
            response = delivered.get();
        }
        if (response.stream) {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            for (;;) {
                service::BodyStream::Taken taken = response.stream->take();
                response.body += taken.bytes;
                if (taken.finished) break;
                if (std::chrono::steady_clock::now() > until)
                    throw std::runtime_error("a streamed answer never ended");
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            response.stream.reset();
        }
        return response;
    }

    InstantBackend instant_;
    std::unique_ptr<storage::PolicyStore> store_;
    std::unique_ptr<storage::DecisionLog> log_;
    std::unique_ptr<storage::ReviewLog> reviews_;
    std::unique_ptr<storage::ReviewQueue> queue_;
    std::unique_ptr<storage::RunStore> runs_;
    std::unique_ptr<storage::ShadowVersions> shadows_;
    std::unique_ptr<storage::AuditLog> audit_;
    std::unique_ptr<service::Server> server_;
    std::unique_ptr<engine::EmbeddedEngine> engine_;
};

// The client helpers of support/service_client.h, in-process: a test written against a port reads
// the same against a server in this process.
inline Reply send(const InProcessServer& server, const std::string& method, const std::string& path,
                  const std::string& body = "", const std::string& key = "",
                  const std::string& content_type = "application/json") {
    const service::HttpResponse res = server.send(method, path, body, key, content_type);
    Reply r;
    r.status = res.status;
    r.text = res.body;
    for (const auto& [name, value] : res.headers) r.headers.emplace(name, value);
    if (!res.content_type.empty()) r.headers.emplace("Content-Type", res.content_type);
    r.body = json::parse(res.body, nullptr, false);
    return r;
}

inline Reply post(const InProcessServer& server, const std::string& path, const json& body,
                  const std::string& key = "") {
    return send(server, "POST", path, body.dump(), key);
}

}  // namespace arbiter::test
