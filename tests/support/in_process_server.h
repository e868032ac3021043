#pragma once
// The service without a process or a socket, for route tests: the Server over a fresh SQLite
// file, the example policies stored, and a backend that answers every job at once with a fixed
// score, so that a route's behaviour is tested in milliseconds and on its own. Requests go
// through the router exactly as the transport hands them over (Server::handle).

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/backend.h"
#include "core/policy_file.h"
#include "service/server.h"
#include "support/scratch.h"

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

class InProcessServer {
public:
    explicit InProcessServer(const std::string& name, service::ServiceConfig config = {}) {
        const std::filesystem::path dir = scratch_dir() / ("in-process-" + name);
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        const std::filesystem::path db = dir / "arbiter.db";
        store_ = std::make_unique<storage::PolicyStore>(db);
        store_->seed(load_policies(ARBITER_SOURCE_DIR "/examples/policies"));
        log_ = std::make_unique<storage::DecisionLog>(db, true);
        reviews_ = std::make_unique<storage::ReviewLog>(db);
        queue_ = std::make_unique<storage::ReviewQueue>(db);
        runs_ = std::make_unique<storage::RunStore>(db);
        shadows_ = std::make_unique<storage::ShadowVersions>(db, *store_);
        server_ = std::make_unique<service::Server>(service::ServiceParts{.config = std::move(config),
                                                                          .policies = *store_,
                                                                          .log = *log_,
                                                                          .reviews = *reviews_,
                                                                          .queue = *queue_,
                                                                          .runs = *runs_,
                                                                          .shadows = *shadows_,
                                                                          .keys = std::nullopt,
                                                                          .policy_check = {}});
        server_->set_backend(backend_);
    }

    service::Server& server() { return *server_; }

    // One request; `body` is sent as it is (JSON text, usually).
    service::HttpResponse send(const std::string& method, const std::string& target,
                               const std::string& body = "") const {
        service::HttpRequest req;
        req.method = method;
        if (!service::split_target(target, req.path, req.query)) req.path = target;
        req.headers.emplace_back("Content-Type", "application/json");
        req.body = body;
        return server_->handle(std::move(req));
    }

private:
    InstantBackend backend_;
    std::unique_ptr<storage::PolicyStore> store_;
    std::unique_ptr<storage::DecisionLog> log_;
    std::unique_ptr<storage::ReviewLog> reviews_;
    std::unique_ptr<storage::ReviewQueue> queue_;
    std::unique_ptr<storage::RunStore> runs_;
    std::unique_ptr<storage::ShadowVersions> shadows_;
    std::unique_ptr<service::Server> server_;  // last: it goes first
};

}  // namespace arbiter::test
