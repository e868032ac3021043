// arbiter serve: the HTTP classification service, on the embedded engine or a remote backend.

#include <unistd.h>

#include <algorithm>
#include <array>
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
#include "cli/serve_reload.h"
#include "cli/serve_stores.h"
#include "core/base_url.h"
#include "core/policy_file.h"
#include "core/store_error.h"
#include "llama/placement.h"
#include "remote/otlp_exporter.h"
#include "server/server.h"

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
    std::string mcp_upstream;
    std::string instance;
    std::string otlp_endpoint;
};

// KV sequences for streamed answers when --upstream is given without --streams.
constexpr int kGatewayStreams = 8;

int fail(const std::string& message) {
    std::fprintf(stderr, "arbiter serve: %s\n", message.c_str());
    return kExitBadInput;
}

// This machine's host name and the port (the process id for port 0): distinct among instances on
// one machine and across machines, and the same after a restart, so metrics series continue.
std::string default_instance_name(int port) {
    std::array<char, 256> host{};
    std::string name = gethostname(host.data(), host.size() - 1) == 0 ? host.data() : "arbiter";
    name = name.substr(0, name.find('.'));  // the short name
    std::ranges::replace_if(
        name, [](char c) { return !service::is_instance_name(std::string(1, c)); }, '-');
    const std::string suffix = "-" + (port > 0 ? std::to_string(port) : "p" + std::to_string(getpid()));
    name = name.substr(0, 32 - suffix.size()) + suffix;
    return service::is_instance_name(name) ? name : "arbiter" + suffix;
}

// The configuration file with the flags that override it. Throws service::ConfigError.
service::ServiceConfig configuration(const ServeArgs& a) {
    service::ServiceConfig config;
    if (!a.backend.config.empty()) config = service::load_service_config(a.backend.config);
    if (!a.host.empty()) config.host = a.host;
    if (a.port >= 0) config.port = a.port;
    if (a.no_store_content) config.store_content = false;
    if (!a.upstream.empty()) config.gateway.upstream = a.upstream;
    if (!a.mcp_upstream.empty()) config.mcp.upstream = a.mcp_upstream;
    if (!a.otlp_endpoint.empty()) config.tracing.endpoint = a.otlp_endpoint;
    if (!a.release.empty())
        config.gateway.release = a.release == "hold" ? service::Release::hold : service::Release::observe;
    config.instance = a.instance.empty() ? default_instance_name(config.port) : a.instance;
    return config;
}

// The content limit against the context: content that the context cannot hold with a policy gets
// 413, so say at start where that is below the configured limit. Returns the policy that alone
// fills the context, if one does (the server cannot judge with it at all).
std::optional<std::string> check_context_room(const service::ServiceConfig& config, Backend& backend,
                                              const storage::PolicyStore& store) {
    for (const auto& policy : store.current_all()) {
        Job job;
        job.policy = policy;
        job.mode = Mode::reason;
        const std::optional<int> reasoned = backend.content_room(job);
        job.mode = Mode::score;
        const std::optional<int> scored = backend.content_room(job);
        if (!scored || *reasoned >= config.max_content_tokens) continue;
        if (*scored == 0) return policy->id;
        std::fprintf(
            stderr,
            "arbiter serve: with policy '%s' the context leaves room for %d content tokens in reason "
            "mode and %d in score mode, below max_content_tokens %d: longer content gets 413\n",
            policy->id.c_str(), *reasoned, *scored, config.max_content_tokens);
    }
    return std::nullopt;
}

// SIGTERM, SIGINT and SIGHUP, blocked in this thread and so in every thread started from it on, to
// be taken by sigwait alone. Blocked before any store opens: a store's own thread (a PostgreSQL
// database's watch) that let them through would die of them instead of draining.
sigset_t block_serve_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

// The callers' keys, and whether they came from the database's table (and so follow it).
struct CallerKeys {
    std::optional<service::ApiKeys> keys;
    bool from_table = false;
};

// The table's keys as they are now: with every key revoked, none (so nobody gets in). Throws
// StoreError or ApiKeyError, which leave the keys in force as they were.
service::ApiKeys table_keys(Stores& stores) {
    std::optional<service::ApiKeys> keys = stores.stored_keys();
    return keys ? std::move(*keys) : service::ApiKeys::of({}, "the api_keys table");
}

// Rules that Hyperscan refuses would make the next start fail: a PUT (or a reload) with them is
// refused now.
void compile_rules(const Policy& policy) {
    const cascade::RuleSet rules({std::make_shared<const Policy>(policy)});
}

// Listens at once (readyz answers 503 while the model loads), loads the backend, then serves
// until SIGTERM or SIGINT and drains; each SIGHUP meanwhile reloads (cli/serve_reload.h).
int serve(const ServeArgs& a, const service::ServiceConfig& config, Stores& stores, CallerKeys keys,
          std::shared_ptr<const cascade::Cascade> cascade, const sigset_t& signals) {
    const BackendFlags& backend = a.backend;
    service::Server server({.config = config,
                            .policies = stores.policies,
                            .log = stores.log,
                            .reviews = stores.reviews,
                            .queue = stores.queue,
                            .runs = stores.runs,
                            .shadows = stores.shadows,
                            .audit = stores.audit,
                            .policy_check = compile_rules},
                           std::move(keys.keys));
    if (!config.tracing.endpoint.empty())
        server.set_span_sink(std::make_shared<remote::OtlpExporter>(remote::OtlpOptions{
            .endpoint = config.tracing.endpoint, .service_name = config.tracing.service_name}));
    int port = 0;
    try {
        port = server.bind();
    } catch (const std::runtime_error& e) {
        return fail(e.what());
    }
    std::fprintf(stderr, "arbiter serve: listening on http://%s:%d (loading the model)\n",
                 config.host.c_str(), port);
    std::thread http([&server] { server.run(); });
    const auto stop = [&server, &http] {
        server.stop();
        http.join();
    };

    std::unique_ptr<Pipeline> pipeline;
    try {
        // Prefix slots for every policy and a few inline ones.
        BackendSettings settings = resolve_backend(backend, stores.policies.current_all().size() + 4);
        pipeline = std::make_unique<Pipeline>(settings, std::move(cascade));
        if (!settings.remote)
            std::fprintf(stderr, "arbiter serve: engine on %s\n",
                         engine::describe_placement(settings.embedded).c_str());
    } catch (const std::exception& e) {
        stop();
        return fail(e.what());
    }
    if (const std::optional<std::string> full =
            check_context_room(config, pipeline->backend(), stores.policies)) {
        stop();
        return fail("policy '" + *full + "' alone fills the model's context (--ctx)");
    }
    server.set_backend(pipeline->backend(), pipeline->streams());
    if (keys.from_table)
        stores.on_keys_changed([&server, &stores] { server.replace_keys(table_keys(stores)); });
    std::fprintf(stderr, "arbiter serve: ready\n");

    const ReloadSources sources{.read_config = [&a] { return configuration(a); },
                                .policies = a.policies,
                                .api_keys = a.api_keys,
                                .check_policy = compile_rules};
    int signal = 0;
    while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) reload(sources, server, stores);
    std::fprintf(stderr, "arbiter serve: %s: finishing the requests in flight\n",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT");
    stop();
    stores.on_keys_changed(nullptr);
    pipeline.reset();
    std::fprintf(stderr, "arbiter serve: stopped\n");
    return kExitOk;
}

int run(const ServeArgs& a) {
    service::ServiceConfig config;
    try {
        config = configuration(a);
    } catch (const service::ConfigError& e) {
        return fail(e.what());
    }
    // The gateway streams answers: give it stream sessions unless told otherwise.
    ServeArgs args = a;
    if (!config.gateway.upstream.empty()) args.backend.default_streams = kGatewayStreams;

    const sigset_t signals = block_serve_signals();
    std::unique_ptr<Stores> stores;
    std::optional<service::ApiKeys> keys;
    try {
        stores = std::make_unique<Stores>(a.db, load_policies(a.policies), config.store_content);
        keys = !a.api_keys.empty() ? service::ApiKeys::load(a.api_keys) : stores->stored_keys();
    } catch (const PolicyError& e) {
        return fail(e.what());
    } catch (const StoreError& e) {
        return fail(e.what());
    } catch (const service::ApiKeyError& e) {
        return fail(e.what());
    }
    if (!keys && !service::is_loopback_host(config.host))
        return fail(
            "without keys the server answers anyone, so it only listens on loopback; give --api-keys "
            "FILE, or make keys in the database with `arbiter apikey --db`, to listen on " +
            config.host);
    const bool keys_from_table = keys && a.api_keys.empty();
    const size_t count = stores->policies.current_all().size();
    std::fprintf(stderr, "arbiter serve: %zu polic%s (%zu new version%s) in %s\n", count,
                 count == 1 ? "y" : "ies", stores->added, stores->added == 1 ? "" : "s",
                 storage::without_password(a.db).c_str());
    if (const std::string missing = missing_reference(config, stores->policies); !missing.empty())
        return fail(missing);

    // The tiers of the policies as they are now are built here, so a bad rule or a missing fast
    // model stops the start; a version stored later gets its tiers when its first job comes.
    std::shared_ptr<const cascade::Cascade> cascade;
    try {
        cascade = make_cascade(a.cascade, stores->policies.current_all());
    } catch (const std::exception& e) {
        return fail(e.what());
    }
    return serve(args, config, *stores, {std::move(keys), keys_from_table}, std::move(cascade), signals);
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
    cmd->add_option("--db", a->db,
                    "Where the state lives (policy versions, decisions, reviews, runs): a SQLite file, "
                    "or a postgresql:// URL that several instances share")
        ->capture_default_str();
    cmd->add_option(
           "--streams", a->backend.choice.streams,
           "Stream sessions (/v1/streams, the gateway): policies of open streams at once, one per policy "
           "of each stream (embedded: a KV sequence the size of --ctx each; remote: needs --tokenizer and "
           "completions or raw mode); 0: streams off (the default; 8 with --upstream)")
        ->check(CLI::Range(0, 64));
    cmd->add_option("--upstream", a->upstream,
                    "Serve POST /v1/chat/completions as a guarded gateway in front of this OpenAI-compatible "
                    "LLM server (base URL, e.g. http://127.0.0.1:8081/v1): messages judged before they are "
                    "forwarded, the answer while it streams; see docs/streams-and-gateway.md (gateway:)");
    cmd->add_option("--mcp-upstream", a->mcp_upstream,
                    "Serve /mcp as a guard in front of this Model Context Protocol server's Streamable HTTP "
                    "endpoint (e.g. http://127.0.0.1:3000/mcp): tool calls judged before the server runs "
                    "them, results before the client gets them, tool descriptions at tools/list; see "
                    "docs/mcp-guard.md (mcp:)");
    cmd->add_option("--otlp-endpoint", a->otlp_endpoint,
                    "Export spans to this OpenTelemetry collector over OTLP/HTTP JSON (e.g. "
                    "http://127.0.0.1:4318); see docs/operations.md (Traces)")
        ->check([](const std::string& url) {
            try {
                parse_base_url(url);
                return std::string();
            } catch (const std::invalid_argument& e) {
                return std::string(e.what());
            }
        });
    cmd->add_option("--release", a->release,
                    "How the gateway releases a streamed answer: observe (at once; cut on a flag) or hold "
                    "(only text a passing check covered)")
        ->check(CLI::IsMember({"observe", "hold"}));
    cmd->add_option("--instance", a->instance,
                    "This instance's name among several on one database (1-32 of A-Z a-z 0-9 _ -): stream "
                    "ids carry it, so a load balancer can route a stream's requests to it, and metrics are "
                    "labelled arbiter_instance with it (default: host name and port)")
        ->envname("ARBITER_INSTANCE")
        ->check(CLI::Validator(
            [](const std::string& name) {
                return service::is_instance_name(name) ? std::string() : "1 to 32 of A-Z a-z 0-9 _ -";
            },
            "NAME"));
    add_cascade_flag(*cmd, a->cascade);
    cmd->add_flag("--no-store-content", a->no_store_content,
                  "Keep only a SHA-256 of each item's content in the decision log, not the content");
    cmd->callback([&action, a] { action = [a] { return run(*a); }; });
}

}  // namespace arbiter::cli
