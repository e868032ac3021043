// arbiter serve: the HTTP classification service, on the embedded engine or a remote backend.

#include <csignal>
#include <cstdio>
#include <memory>
#include <set>
#include <thread>

#include "cascade/rule_set.h"
#include "cli/backend_flags.h"
#include "cli/cascade_flag.h"
#include "cli/command.h"
#include "cli/pipeline.h"
#include "core/base_url.h"
#include "core/policy_file.h"
#include "service/server.h"

namespace arbiter::cli {

namespace {

struct ServeArgs {
    BackendFlags backend;  // its --config file holds the server's settings too
    std::string policies;
    std::string host;
    int port = -1;
    std::string api_keys;
    std::string db = "arbiter.db";
    bool no_store_content = false;
    std::string cascade = "auto";
    std::string upstream;
    std::string release;
};

// KV sequences for streamed answers when --upstream is given without --streams.
constexpr int kGatewayStreams = 8;

int fail(const std::string& message) {
    std::fprintf(stderr, "arbiter serve: %s\n", message.c_str());
    return kExitBadInput;
}

int run(const ServeArgs& a) {
    service::ServiceConfig config;
    try {
        if (!a.backend.config.empty()) config = service::load_service_config(a.backend.config);
    } catch (const service::ConfigError& e) {
        return fail(e.what());
    }
    if (!a.host.empty()) config.host = a.host;
    if (a.port >= 0) config.port = a.port;
    if (a.no_store_content) config.store_content = false;
    if (!a.upstream.empty()) config.gateway.upstream = a.upstream;
    if (!a.release.empty())
        config.gateway.release = a.release == "hold" ? service::Release::hold : service::Release::observe;
    // The gateway streams answers: give it stream sessions unless told otherwise.
    BackendFlags backend = a.backend;
    if (!config.gateway.upstream.empty() && !backend.choice.streams) backend.choice.streams = kGatewayStreams;

    std::optional<service::ApiKeys> keys;
    if (!a.api_keys.empty()) {
        try {
            keys = service::ApiKeys::load(a.api_keys);
        } catch (const service::ApiKeyError& e) {
            return fail(e.what());
        }
    } else if (!service::is_loopback_host(config.host)) {
        return fail(
            "without --api-keys the server answers anyone, so it only listens on loopback; give "
            "--api-keys FILE to listen on " +
            config.host);
    }

    std::vector<Policy> files;
    try {
        files = load_policies(a.policies);
    } catch (const PolicyError& e) {
        return fail(e.what());
    }

    std::unique_ptr<storage::PolicyStore> store;
    std::unique_ptr<storage::DecisionLog> log;
    std::unique_ptr<storage::ReviewLog> reviews;
    std::unique_ptr<storage::ReviewQueue> queue;
    std::unique_ptr<storage::RunStore> runs;
    std::unique_ptr<storage::ShadowVersions> shadows;
    try {
        store = std::make_unique<storage::PolicyStore>(a.db);
        const size_t added = store->seed(files);
        log = std::make_unique<storage::DecisionLog>(a.db, config.store_content);
        reviews = std::make_unique<storage::ReviewLog>(a.db);
        queue = std::make_unique<storage::ReviewQueue>(a.db);
        runs = std::make_unique<storage::RunStore>(a.db);
        shadows = std::make_unique<storage::ShadowVersions>(a.db, *store);
        std::fprintf(stderr, "arbiter serve: %zu polic%s (%zu new version%s) in %s\n",
                     store->current_all().size(), store->current_all().size() == 1 ? "y" : "ies", added,
                     added == 1 ? "" : "s", a.db.c_str());
    } catch (const storage::SqliteError& e) {
        return fail(e.what());
    }
    for (const auto& [name, set] : config.policy_sets) {
        for (const std::string& id : set.policies) {
            if (!store->current(id))
                return fail("policy set '" + name + "' names policy '" + id + "', which is not loaded");
        }
    }

    const service::GatewayConfig& gateway = config.gateway;
    if (!gateway.upstream.empty()) {
        try {
            parse_base_url(gateway.upstream);
        } catch (const std::invalid_argument& e) {
            return fail(std::string("--upstream: ") + e.what());
        }
        for (const auto* ids : {&gateway.input_policies, &gateway.output_policies}) {
            for (const std::string& id : ids->value_or(std::vector<std::string>{})) {
                if (!store->current(id))
                    return fail("gateway names policy '" + id + "', which is not loaded");
            }
        }
    }

    // The cascade is built for the policies as they are now; a version stored later over the API
    // goes straight to the model until the next start (the cascade matches id and version).
    std::shared_ptr<const cascade::Cascade> cascade;
    try {
        cascade = make_cascade(a.cascade, store->current_all());
    } catch (const std::exception& e) {
        return fail(e.what());
    }

    // SIGTERM and SIGINT are taken by sigwait below, in this thread only: every thread started
    // from here on inherits the blocked mask.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // Rules that Hyperscan refuses would make the next start fail: a PUT with them is a 400 now.
    auto compile_rules = [](const Policy& policy) {
        const cascade::RuleSet rules({std::make_shared<const Policy>(policy)});
    };
    service::Server server({.config = config,
                            .policies = *store,
                            .log = *log,
                            .reviews = *reviews,
                            .queue = *queue,
                            .runs = *runs,
                            .shadows = *shadows,
                            .keys = std::move(keys),
                            .policy_check = compile_rules});
    int port = 0;
    try {
        port = server.bind();
    } catch (const std::runtime_error& e) {
        return fail(e.what());
    }
    std::fprintf(stderr, "arbiter serve: listening on http://%s:%d (loading the model)\n",
                 config.host.c_str(), port);
    std::thread http([&server] { server.run(); });

    std::unique_ptr<Pipeline> pipeline;
    try {
        // Prefix slots for every policy and a few inline ones.
        BackendSettings settings = resolve_backend(backend, store->current_all().size() + 4);
        pipeline = std::make_unique<Pipeline>(settings, cascade);
    } catch (const std::exception& e) {
        server.stop();
        http.join();
        return fail(e.what());
    }
    // The content limit against the context: content that the context cannot hold with a policy
    // gets 413, so say at start where that is below the configured limit.
    for (const auto& policy : store->current_all()) {
        Job job;
        job.policy = policy;
        job.mode = Mode::reason;
        const std::optional<int> reasoned = pipeline->backend().content_room(job);
        job.mode = Mode::score;
        const std::optional<int> scored = pipeline->backend().content_room(job);
        if (!scored || *reasoned >= config.max_content_tokens) continue;
        if (*scored == 0) {
            server.stop();
            http.join();
            return fail("policy '" + policy->id + "' alone fills the model's context (--ctx)");
        }
        std::fprintf(
            stderr,
            "arbiter serve: with policy '%s' the context leaves room for %d content tokens in reason "
            "mode and %d in score mode, below max_content_tokens %d: longer content gets 413\n",
            policy->id.c_str(), *reasoned, *scored, config.max_content_tokens);
    }
    server.set_backend(pipeline->backend(), pipeline->streams());
    std::fprintf(stderr, "arbiter serve: ready\n");

    int signal = 0;
    sigwait(&signals, &signal);
    std::fprintf(stderr, "arbiter serve: %s: finishing the requests in flight\n",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT");
    server.stop();
    http.join();
    pipeline.reset();
    std::fprintf(stderr, "arbiter serve: stopped\n");
    return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, Action& action) {
    CLI::App* cmd =
        app.add_subcommand("serve",
                           "Serve classification over HTTP: /v1/classify, OpenAI-compatible "
                           "/v1/moderations, stream sessions (/v1/streams), the guarded chat "
                           "gateway (/v1/chat/completions with --upstream), policies, the decision "
                           "log, /healthz, /readyz and Prometheus /metrics");
    auto a = std::make_shared<ServeArgs>();
    add_backend_flags(*cmd, a->backend);
    cmd->get_option("--config")
        ->description(
            "YAML settings: the backend (backend:), server limits and timeouts (server:) and the policy sets "
            "of /v1/moderations (policy_sets:); see docs/operations.md");
    cmd->add_option("--policies,-p", a->policies,
                    "Policy file or folder of *.md policies that seeds the store")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("--host", a->host, "Address to listen on (default 127.0.0.1; others need --api-keys)");
    cmd->add_option("--port", a->port, "Port to listen on (default 8080; 0: any free port)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option(
           "--api-keys", a->api_keys,
           "Keys file (lines: name role sha256), made with `arbiter apikey`; without it only loopback")
        ->check(CLI::ExistingFile);
    cmd->add_option("--db", a->db, "SQLite file for the decision log and policy versions (WAL mode)")
        ->capture_default_str();
    cmd->add_option(
           "--streams", a->backend.choice.streams,
           "KV sequences kept for stream sessions (/v1/streams, the gateway): one per policy of "
           "each open stream, each the size of --ctx; 0: streams off (the default; 8 with --upstream)")
        ->check(CLI::Range(0, 64));
    cmd->add_option("--upstream", a->upstream,
                    "Serve POST /v1/chat/completions as a guarded gateway in front of this OpenAI-compatible "
                    "LLM server (base URL, e.g. http://127.0.0.1:8081/v1): messages judged before they are "
                    "forwarded, the answer while it streams; see docs/streams-and-gateway.md (gateway:)");
    cmd->add_option("--release", a->release,
                    "How the gateway releases a streamed answer: observe (at once; cut on a flag) or hold "
                    "(only text a passing check covered)")
        ->check(CLI::IsMember({"observe", "hold"}));
    add_cascade_flag(*cmd, a->cascade);
    cmd->add_flag("--no-store-content", a->no_store_content,
                  "Keep only a SHA-256 of each item's content in the decision log, not the content");
    cmd->callback([&action, a] { action = [a] { return run(*a); }; });
}

}  // namespace arbiter::cli
