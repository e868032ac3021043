#include "cli/backend_config.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <functional>
#include <map>

#include "remote/remote_engine.h"

namespace arbiter::cli {

namespace {

BackendError error_at(const std::string& path, const YAML::Node& node, const std::string& message) {
    std::string where = path;
    if (node.Mark().line >= 0) where.append(":").append(std::to_string(node.Mark().line + 1));
    return BackendError(where.append(": ").append(message));
}

template <typename T>
T as(const std::string& path, const std::string& key, const YAML::Node& node, const char* what) {
    if (!node.IsScalar()) throw error_at(path, node, "'" + key + "' must be " + what);
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        throw error_at(path, node, "'" + key + "' must be " + what);
    }
}

}  // namespace

void BackendChoice::override_with(const BackendChoice& o) {
    const auto take = [](auto& mine, const auto& theirs) {
        if (theirs) mine = theirs;
    };
    take(engine, o.engine);
    take(model_file, o.model_file);
    take(parallel, o.parallel);
    take(threads, o.threads);
    take(ctx, o.ctx);
    take(gpu_layers, o.gpu_layers);
    take(flash_attention, o.flash_attention);
    take(batch, o.batch);
    take(streams, o.streams);
    take(endpoints, o.endpoints);
    take(mode, o.mode);
    take(remote_engine, o.remote_engine);
    take(tokenizer, o.tokenizer);
    take(routing, o.routing);
    take(remote_model, o.remote_model);
    take(api_key_env, o.api_key_env);
    take(max_concurrency_per_endpoint, o.max_concurrency_per_endpoint);
    take(retries, o.retries);
    take(retry_budget_s, o.retry_budget_s);
    take(timeout_s, o.timeout_s);
    take(failures_to_eject, o.failures_to_eject);
    take(eject_s, o.eject_s);
    take(health_interval_s, o.health_interval_s);
    take(health_path, o.health_path);
    take(max_reasoning_tokens, o.max_reasoning_tokens);
    take(seed, o.seed);
}

namespace {

// The settings that name one of a few choices.
void check_choices(const std::string& path, const YAML::Node& backend, const BackendChoice& c) {
    if (c.engine && *c.engine != "embedded" && *c.engine != "remote")
        throw error_at(path, backend["engine"], "'engine' must be embedded or remote");
    if (c.mode && *c.mode != "chat" && *c.mode != "raw" && *c.mode != "completions")
        throw error_at(path, backend["mode"], "'mode' must be chat, raw or completions");
    if (c.routing && *c.routing != "cache_aware" && *c.routing != "least_outstanding")
        throw error_at(path, backend["routing"], "'routing' must be cache_aware or least_outstanding");
    if (c.remote_engine && !remote::parse_remote_engine(*c.remote_engine))
        throw error_at(path, backend["remote_engine"],
                       "'remote_engine' must be llama-server, vllm, sglang, ollama or openai");
}

}  // namespace

BackendChoice read_backend_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw BackendError(path + ": cannot be read");
    YAML::Node root;
    try {
        root = YAML::Load(in);
    } catch (const YAML::Exception& e) {
        throw BackendError(path + ":" + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
    }
    BackendChoice c;
    if (root.IsNull()) return c;
    if (!root.IsMap()) throw error_at(path, root, "the configuration must be a mapping of keys");
    const YAML::Node backend = root["backend"];
    if (!backend || backend.IsNull()) return c;
    if (!backend.IsMap()) throw error_at(path, backend, "'backend' must be a mapping of keys");

    using Reader = std::function<void(const std::string&, const YAML::Node&)>;
    const auto text = [&](std::optional<std::string>& field) -> Reader {
        return [&](const std::string& key, const YAML::Node& n) {
            field = as<std::string>(path, key, n, "a string");
        };
    };
    const auto integer = [&](std::optional<int>& field) -> Reader {
        return
            [&](const std::string& key, const YAML::Node& n) { field = as<int>(path, key, n, "an integer"); };
    };
    const auto number = [&](std::optional<double>& field) -> Reader {
        return [&](const std::string& key, const YAML::Node& n) {
            field = as<double>(path, key, n, "a number");
        };
    };
    const std::map<std::string, Reader> readers = {
        {"engine", text(c.engine)},
        {"model", text(c.model_file)},  // resolved below: the remote model's name for engine: remote
        {"parallel", integer(c.parallel)},
        {"threads", integer(c.threads)},
        {"ctx", integer(c.ctx)},
        {"gpu_layers", integer(c.gpu_layers)},
        {"flash_attention",
         [&](const std::string& key, const YAML::Node& n) {
             c.flash_attention = as<bool>(path, key, n, "true or false");
         }},
        {"batch", integer(c.batch)},
        {"streams", integer(c.streams)},
        {"endpoints",
         [&](const std::string& key, const YAML::Node& n) {
             if (!n.IsSequence()) throw error_at(path, n, "'" + key + "' must be a list of URLs");
             std::vector<std::string> urls;
             for (const YAML::Node& url : n)
                 urls.push_back(as<std::string>(path, key, url, "a list of URLs"));
             c.endpoints = std::move(urls);
         }},
        {"mode", text(c.mode)},
        {"remote_engine", text(c.remote_engine)},
        {"tokenizer", text(c.tokenizer)},
        {"routing", text(c.routing)},
        {"api_key_env", text(c.api_key_env)},
        {"max_concurrency_per_endpoint", integer(c.max_concurrency_per_endpoint)},
        {"retries", integer(c.retries)},
        {"retry_budget_s", number(c.retry_budget_s)},
        {"timeout_s", number(c.timeout_s)},
        {"failures_to_eject", integer(c.failures_to_eject)},
        {"eject_s", number(c.eject_s)},
        {"health_interval_s", number(c.health_interval_s)},
        {"health_path", text(c.health_path)},
        {"max_reasoning_tokens", integer(c.max_reasoning_tokens)},
        {"seed", [&](const std::string& key,
                     const YAML::Node& n) { c.seed = as<uint32_t>(path, key, n, "an integer"); }},
    };
    for (const auto& entry : backend) {
        const std::string key = entry.first.Scalar();
        const auto reader = readers.find(key);
        if (reader == readers.end()) throw error_at(path, entry.first, "unknown key 'backend." + key + "'");
        reader->second(key, entry.second);
    }
    check_choices(path, backend, c);
    // `model` names a GGUF file for the embedded engine and the served model for a remote one.
    if (c.engine == "remote") {
        c.remote_model = c.model_file;
        c.model_file.reset();
    }
    return c;
}

}  // namespace arbiter::cli
