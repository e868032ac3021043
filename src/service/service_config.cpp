#include "service/service_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/base_url.h"
#include "core/utf8.h"

namespace arbiter::service {

namespace {

struct Reader {
    std::string file;

    [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
        throw ConfigError(file + ":" + std::to_string(node.Mark().line + 1) + ": " + message);
    }

    void only_keys(const YAML::Node& map, const std::set<std::string>& known,
                   const std::string& where) const {
        if (!map.IsMap()) fail(map, where + " must be a mapping");
        for (const auto& entry : map) {
            const std::string key = entry.first.as<std::string>();
            if (!known.contains(key)) {
                std::string names;
                for (const std::string& k : known) names += (names.empty() ? "" : ", ") + k;
                fail(entry.first, "unknown key '" + key + "' in " + where + " (known: " + names + ")");
            }
        }
    }

    template <typename T>
    T number(const YAML::Node& node, const std::string& key, T low, T high) const {
        T value{};
        try {
            value = node.as<T>();
        } catch (const YAML::Exception&) {
            fail(node, key + " must be a number");
        }
        if (value < low || value > high)
            fail(node, key + " must be from " + std::to_string(low) + " to " + std::to_string(high));
        return value;
    }

    bool boolean(const YAML::Node& node, const std::string& key) const {
        try {
            return node.as<bool>();
        } catch (const YAML::Exception&) {
            fail(node, key + " must be true or false");
        }
    }

    OnTimeout on_timeout(const YAML::Node& node) const {
        const std::string name = node.as<std::string>();
        if (name == "error") return OnTimeout::error;
        if (name == "fail_closed") return OnTimeout::fail_closed;
        if (name == "fail_open") return OnTimeout::fail_open;
        fail(node, "on_timeout must be error, fail_closed or fail_open, not '" + name + "'");
    }
};

// Each API key's default limit (core/rate_limit.h); a key in the keys file may have its own.
void read_rate_limit(const Reader& r, const YAML::Node& node, RateLimit& limit) {
    if (!node.IsMap())
        r.fail(node, "rate_limit must map requests_per_second, burst, jobs_per_second, per_day");
    r.only_keys(node, {"requests_per_second", "burst", "jobs_per_second", "per_day"}, "rate_limit");
    if (node["requests_per_second"])
        limit.requests_per_second =
            r.number<double>(node["requests_per_second"], "requests_per_second", 0, 1e9);
    if (node["burst"]) limit.burst = r.number<double>(node["burst"], "burst", 0, 1e9);
    if (node["jobs_per_second"])
        limit.jobs_per_second = r.number<double>(node["jobs_per_second"], "jobs_per_second", 0, 1e9);
    if (node["per_day"]) limit.per_day = r.number<int64_t>(node["per_day"], "per_day", 0, int64_t{1} << 40);
    for (const double value : {limit.requests_per_second, limit.burst, limit.jobs_per_second}) {
        if (!std::isfinite(value)) r.fail(node, "rate_limit's numbers must be finite");
    }
}

// The fields of a retention rule that `node` names, over `rule`.
void read_retention_rule(const Reader& r, const YAML::Node& node, RetentionRule& rule,
                         const std::string& where) {
    for (const auto& [key, into] :
         {std::pair{"content_days", &rule.content_days}, {"delete_days", &rule.delete_days}})
        if (node[key]) *into = r.number<double>(node[key], where + "'s " + key, 0, 36500);
}

void read_retention(const Reader& r, const YAML::Node& node, RetentionConfig& c) {
    r.only_keys(node, {"content_days", "delete_days", "policies", "batch_rows", "interval_seconds"},
                "retention");
    read_retention_rule(r, node, c.all, "retention");
    if (node["batch_rows"]) c.batch_rows = r.number<size_t>(node["batch_rows"], "batch_rows", 1, 100000);
    if (node["interval_seconds"])
        c.interval =
            std::chrono::seconds(r.number<int>(node["interval_seconds"], "interval_seconds", 1, 86400));
    if (!node["policies"]) return;
    if (!node["policies"].IsMap())
        r.fail(node["policies"], "retention.policies must map policy ids to rules");
    for (const auto& entry : node["policies"]) {
        const std::string id = entry.first.as<std::string>();
        r.only_keys(entry.second, {"content_days", "delete_days"}, "retention.policies." + id);
        RetentionRule rule = c.all;
        read_retention_rule(r, entry.second, rule, "retention.policies." + id);
        c.policies[id] = rule;
    }
}

void read_server(const Reader& r, const YAML::Node& node, ServiceConfig& c) {
    r.only_keys(node,
                {"host", "port", "max_body_bytes", "max_items", "max_content_tokens", "queue_depth",
                 "request_timeout_ms", "http_threads", "on_timeout", "store_content", "max_connections",
                 "max_header_bytes", "header_timeout_ms", "body_timeout_ms", "idle_timeout_ms",
                 "run_lease_ms", "rate_limit"},
                "server");
    if (node["rate_limit"]) read_rate_limit(r, node["rate_limit"], c.rate_limit);
    if (node["host"]) c.host = node["host"].as<std::string>();
    if (node["port"]) c.port = r.number<int>(node["port"], "port", 0, 65535);
    if (node["max_body_bytes"])
        c.max_body_bytes = r.number<size_t>(node["max_body_bytes"], "max_body_bytes", 1024, size_t{1} << 30);
    if (node["max_items"]) c.max_items = r.number<size_t>(node["max_items"], "max_items", 1, 100000);
    if (node["max_content_tokens"])
        c.max_content_tokens = r.number<int>(node["max_content_tokens"], "max_content_tokens", 1, 1 << 24);
    if (node["queue_depth"]) c.queue_depth = r.number<size_t>(node["queue_depth"], "queue_depth", 1, 1000000);
    if (node["request_timeout_ms"])
        c.request_timeout = std::chrono::milliseconds(
            r.number<int>(node["request_timeout_ms"], "request_timeout_ms", 1, 3600000));
    if (node["http_threads"]) c.http_threads = r.number<int>(node["http_threads"], "http_threads", 1, 4096);
    if (node["max_connections"])
        c.max_connections = r.number<size_t>(node["max_connections"], "max_connections", 1, 1000000);
    if (node["max_header_bytes"])
        c.max_header_bytes = r.number<size_t>(node["max_header_bytes"], "max_header_bytes", 1024, 1 << 20);
    const auto millis = [&](const char* key, std::chrono::milliseconds& into) {
        if (node[key]) into = std::chrono::milliseconds(r.number<int>(node[key], key, 1, 3600000));
    };
    millis("header_timeout_ms", c.header_timeout);
    millis("body_timeout_ms", c.body_timeout);
    millis("idle_timeout_ms", c.idle_timeout);
    millis("run_lease_ms", c.run_lease);
    // A run's lease is renewed once per chunk, and a chunk may take a request's whole time.
    if (!node["run_lease_ms"]) {
        c.run_lease = std::max(c.run_lease, 2 * c.request_timeout);
    } else if (c.run_lease <= c.request_timeout) {
        r.fail(node["run_lease_ms"], "run_lease_ms must be longer than request_timeout_ms (" +
                                         std::to_string(c.request_timeout.count()) +
                                         "): a run's lease is renewed once per chunk of jobs");
    }
    if (node["on_timeout"]) c.on_timeout = r.on_timeout(node["on_timeout"]);
    if (node["store_content"]) c.store_content = r.boolean(node["store_content"], "store_content");
}

std::vector<std::string> strings(const Reader& r, const YAML::Node& node, const std::string& what) {
    std::vector<std::string> out;
    if (node.IsScalar()) return {node.as<std::string>()};
    if (!node.IsSequence()) r.fail(node, what);
    for (const auto& item : node) {
        if (!item.IsScalar()) r.fail(item, what);
        out.push_back(item.as<std::string>());
    }
    return out;
}

bool is_openai_category(const std::string& key) {
    return std::find(kOpenAIModerationCategories.begin(), kOpenAIModerationCategories.end(), key) !=
           kOpenAIModerationCategories.end();
}

// `categories:` of a set: policy id -> one OpenAI key or a list of them, each key from one policy.
void read_categories(const Reader& r, const YAML::Node& node, PolicySet& set) {
    const std::string where = "categories of policy set '" + set.name + "'";
    if (!node.IsMap()) r.fail(node, where + " must map policy ids to OpenAI category keys");
    std::map<std::string, std::string> mapped_from;  // key -> policy id
    for (const auto& entry : node) {
        const std::string id = entry.first.as<std::string>();
        if (!set.policies.empty() &&
            std::find(set.policies.begin(), set.policies.end(), id) == set.policies.end())
            r.fail(entry.first, where + ": '" + id + "' is not one of the set's policies");
        const std::vector<std::string> keys = strings(
            r, entry.second, where + ": '" + id + "' must name an OpenAI category key or a list of them");
        if (keys.empty()) r.fail(entry.second, where + ": '" + id + "' maps to no category");
        for (const std::string& key : keys) {
            if (!is_openai_category(key)) {
                std::string names;
                for (const std::string_view k : kOpenAIModerationCategories)
                    names += (names.empty() ? "" : ", ") + std::string(k);
                r.fail(entry.second,
                       where + ": '" + key + "' is not an OpenAI category (known: " + names + ")");
            }
            if (const auto [it, fresh] = mapped_from.emplace(key, id); !fresh)
                r.fail(entry.second,
                       where + ": '" + key + "' is mapped twice ('" + it->second + "' and '" + id + "')");
            if (key != id && std::find(set.policies.begin(), set.policies.end(), key) != set.policies.end() &&
                !node[key])
                r.fail(entry.second, where + ": '" + key + "' is also the id of the set's policy '" + key +
                                         "', which answers under it");
        }
        set.categories[id] = keys;
    }
}

PolicySet read_policy_set(const Reader& r, const YAML::Node& node, const std::string& name) {
    r.only_keys(node, {"policies", "mode", "threshold", "on_timeout", "aliases", "categories"},
                "policy set '" + name + "'");
    PolicySet set;
    set.name = name;
    if (node["policies"]) {
        if (!node["policies"].IsSequence()) r.fail(node["policies"], "policies must be a list of policy ids");
        for (const auto& id : node["policies"]) set.policies.push_back(id.as<std::string>());
    }
    if (node["mode"]) {
        const std::optional<Mode> mode = parse_mode(node["mode"].as<std::string>());
        if (!mode) r.fail(node["mode"], "mode must be score or reason");
        set.mode = *mode;
    }
    if (node["threshold"]) set.threshold = r.number<double>(node["threshold"], "threshold", 0.0, 1.0);
    if (node["on_timeout"]) set.on_timeout = r.on_timeout(node["on_timeout"]);
    if (node["aliases"]) {
        if (!node["aliases"].IsSequence()) r.fail(node["aliases"], "aliases must be a list of model names");
        set.aliases = strings(r, node["aliases"], "aliases must be a list of model names");
    }
    if (node["categories"]) read_categories(r, node["categories"], set);
    return set;
}

// Every alias names one set and no set: checked here, where the file's lines are known.
void check_aliases(const Reader& r, const YAML::Node& sets, const std::map<std::string, PolicySet>& by_name) {
    std::map<std::string, std::string> claimed;  // alias -> set
    for (const auto& entry : sets) {
        const std::string name = entry.first.as<std::string>();
        for (const std::string& alias : by_name.at(name).aliases) {
            const YAML::Node& at = entry.second["aliases"];
            if (alias == "default" || by_name.contains(alias))
                r.fail(at, "alias '" + alias + "' of policy set '" + name + "' is the name of a policy set");
            if (const auto [it, fresh] = claimed.emplace(alias, name); !fresh)
                r.fail(at, "alias '" + alias + "' is claimed by policy sets '" + it->second + "' and '" +
                               name + "'");
        }
    }
}

void read_perspective(const Reader& r, const YAML::Node& node, ServiceConfig& c) {
    r.only_keys(node, {"attributes", "max_text_bytes"}, "perspective");
    if (const YAML::Node attributes = node["attributes"]) {
        if (!attributes.IsMap())
            r.fail(attributes, "perspective.attributes must map attribute names to policy ids");
        for (const auto& entry : attributes) {
            const std::string name = entry.first.as<std::string>();
            if (!entry.second.IsScalar())
                r.fail(entry.second, "attribute " + name + " must name one policy id");
            c.perspective_attributes[name] = entry.second.as<std::string>();
        }
    }
    if (node["max_text_bytes"])
        c.perspective_max_text_bytes =
            r.number<size_t>(node["max_text_bytes"], "max_text_bytes", 1, size_t{1} << 20);
}

void read_gateway(const Reader& r, const YAML::Node& node, GatewayConfig& g) {
    r.only_keys(node,
                {"upstream", "api_key_env", "input_policies", "output_policies", "release", "input_threshold",
                 "timeout_ms", "max_streams", "max_waiting"},
                "gateway");
    if (node["upstream"]) g.upstream = node["upstream"].as<std::string>();
    if (node["api_key_env"]) g.api_key_env = node["api_key_env"].as<std::string>();
    for (const char* key : {"input_policies", "output_policies"}) {
        if (!node[key]) continue;
        if (!node[key].IsSequence()) r.fail(node[key], std::string(key) + " must be a list of policy ids");
        (std::string_view(key) == "input_policies" ? g.input_policies : g.output_policies) =
            strings(r, node[key], std::string(key) + " must be a list of policy ids");
    }
    if (node["release"]) {
        const std::string release = node["release"].as<std::string>();
        if (release != "observe" && release != "hold")
            r.fail(node["release"], "release must be observe or hold");
        g.release = release == "hold" ? Release::hold : Release::observe;
    }
    if (node["input_threshold"])
        g.input_threshold = r.number<double>(node["input_threshold"], "input_threshold", 0.0, 1.0);
    if (node["timeout_ms"])
        g.timeout = std::chrono::milliseconds(r.number<int>(node["timeout_ms"], "timeout_ms", 1, 3'600'000));
    if (node["max_streams"]) g.max_streams = r.number<size_t>(node["max_streams"], "max_streams", 1, 4096);
    if (node["max_waiting"]) g.max_waiting = r.number<size_t>(node["max_waiting"], "max_waiting", 1, 4096);
}

void read_tracing(const Reader& r, const YAML::Node& node, TracingConfig& t) {
    r.only_keys(node, {"endpoint", "service_name", "include_content"}, "tracing");
    if (node["endpoint"]) {
        t.endpoint = node["endpoint"].as<std::string>();
        try {
            parse_base_url(t.endpoint);
        } catch (const std::invalid_argument& e) {
            r.fail(node["endpoint"], std::string("endpoint: ") + e.what());
        }
    }
    if (node["service_name"]) {
        t.service_name = node["service_name"].as<std::string>();
        if (t.service_name.empty() || t.service_name.size() > 128 || !is_printable_ascii(t.service_name))
            r.fail(node["service_name"], "service_name must be 1 to 128 printable ASCII characters");
    }
    if (node["include_content"]) t.include_content = r.boolean(node["include_content"], "include_content");
}

void read_mcp(const Reader& r, const YAML::Node& node, McpConfig& m) {
    r.only_keys(node,
                {"upstream", "path", "api_key_env", "policies", "tool_descriptions", "threshold",
                 "timeout_ms", "max_streams"},
                "mcp");
    if (node["upstream"]) m.upstream = node["upstream"].as<std::string>();
    if (node["path"]) {
        m.path = node["path"].as<std::string>();
        if (m.path.size() < 2 || m.path[0] != '/' || m.path.find_first_of("{}?# ") != std::string::npos ||
            m.path.rfind("/v1/", 0) == 0)
            r.fail(node["path"], "path must be a path such as /mcp, outside /v1/");
    }
    if (node["api_key_env"]) m.api_key_env = node["api_key_env"].as<std::string>();
    if (node["policies"]) {
        if (!node["policies"].IsSequence()) r.fail(node["policies"], "policies must be a list of policy ids");
        m.policies = strings(r, node["policies"], "policies must be a list of policy ids");
    }
    if (node["tool_descriptions"]) {
        const std::string mode = node["tool_descriptions"].as<std::string>();
        if (mode != "withhold" && mode != "flag" && mode != "pass")
            r.fail(node["tool_descriptions"], "tool_descriptions must be withhold, flag or pass");
        m.tool_descriptions = mode == "withhold" ? FlaggedTools::withhold
                              : mode == "flag"   ? FlaggedTools::flag
                                                 : FlaggedTools::pass;
    }
    if (node["threshold"]) m.threshold = r.number<double>(node["threshold"], "threshold", 0.0, 1.0);
    if (node["timeout_ms"])
        m.timeout = std::chrono::milliseconds(r.number<int>(node["timeout_ms"], "timeout_ms", 1, 3'600'000));
    if (node["max_streams"]) m.max_streams = r.number<size_t>(node["max_streams"], "max_streams", 1, 4096);
}

}  // namespace

std::map<std::string, PolicySet> with_model_aliases(std::map<std::string, PolicySet> sets) {
    if (!sets.contains("default")) sets["default"].name = "default";
    std::map<std::string, PolicySet> names = sets;
    for (const auto& [name, set] : sets) {
        for (const std::string& alias : set.aliases) {
            if (sets.contains(alias))
                throw ConfigError("alias '" + alias + "' of policy set '" + name +
                                  "' is the name of a policy set");
            if (!names.emplace(alias, set).second)
                throw ConfigError("alias '" + alias + "' is claimed by policy sets '" + names.at(alias).name +
                                  "' and '" + name + "'");
        }
    }
    // OpenAI's names that no set claims select `default`, unless a set of that name is configured.
    for (const std::string_view model : kOpenAIModerationModels) names.emplace(model, sets.at("default"));
    return names;
}

bool is_instance_name(std::string_view name) {
    return !name.empty() && name.size() <= 32 && std::ranges::all_of(name, [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-';
    });
}

ServiceConfig load_service_config(const std::filesystem::path& path) {
    const Reader r{path.string()};
    YAML::Node root;
    try {
        root = YAML::LoadFile(path.string());
    } catch (const YAML::BadFile&) {
        throw ConfigError(path.string() + ": cannot be read");
    } catch (const YAML::Exception& e) {
        throw ConfigError(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    ServiceConfig config;
    if (root.IsNull()) return config;
    try {
        r.only_keys(
            root,
            {"server", "policy_sets", "perspective", "gateway", "mcp", "backend", "tracing", "retention"},
            "the configuration");
        if (root["tracing"]) read_tracing(r, root["tracing"], config.tracing);
        if (root["retention"]) read_retention(r, root["retention"], config.retention);
        if (root["gateway"]) read_gateway(r, root["gateway"], config.gateway);
        if (root["mcp"]) read_mcp(r, root["mcp"], config.mcp);
        if (root["perspective"]) read_perspective(r, root["perspective"], config);
        if (root["server"]) read_server(r, root["server"], config);
        if (const YAML::Node sets = root["policy_sets"]) {
            if (!sets.IsMap()) r.fail(sets, "policy_sets must map set names to settings");
            std::map<std::string, PolicySet> by_name;
            for (const auto& entry : sets)
                by_name[entry.first.as<std::string>()] =
                    read_policy_set(r, entry.second, entry.first.as<std::string>());
            check_aliases(r, sets, by_name);
            config.policy_sets = with_model_aliases(std::move(by_name));
        }
    } catch (const YAML::Exception& e) {
        throw ConfigError(path.string() + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
    }
    return config;
}

}  // namespace arbiter::service
