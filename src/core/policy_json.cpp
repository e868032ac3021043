#include "core/policy_json.h"

#include <optional>
#include <set>
#include <vector>

#include "core/dsa_json.h"

namespace arbiter {

namespace {

std::string string_field(const nlohmann::json& object, const char* key) {
    const nlohmann::json& value = object.at(key);
    if (!value.is_string()) throw PolicyError(std::string("policy field '") + key + "' must be a string");
    return value.get<std::string>();
}

double probability(const nlohmann::json& object, const char* key, double fallback) {
    if (!object.contains(key)) return fallback;
    const nlohmann::json& v = object.at(key);
    if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
        throw PolicyError(std::string("cascade.") + key + " must be a number from 0 to 1");
    return v.get<double>();
}

std::vector<Rule> rules_from_json(const nlohmann::json& list) {
    if (!list.is_array()) throw PolicyError("policy field 'rules' must be a list");
    std::vector<Rule> rules;
    std::set<std::string> ids;
    for (size_t i = 0; i < list.size(); ++i) {
        const nlohmann::json& r = list[i];
        const std::string where = "rules[" + std::to_string(i) + "]";
        if (!r.is_object()) throw PolicyError(where + " must be an object with id, literal or regex, action");
        for (const auto& [key, value] : r.items()) {
            if (key != "id" && key != "literal" && key != "regex" && key != "action")
                throw PolicyError(where + ": unknown rule field '" + key +
                                  "' (known: id, literal, regex, action)");
            if (!value.is_string()) throw PolicyError(where + "." + key + " must be a string");
        }
        Rule rule;
        rule.id = r.value("id", "");
        if (!valid_policy_id(rule.id))
            throw PolicyError(where + ": id must be 1-64 letters, digits, '-', '_' or '.'");
        if (!ids.insert(rule.id).second) throw PolicyError(where + ": rule id '" + rule.id + "' given twice");
        if (r.contains("literal") == r.contains("regex"))
            throw PolicyError(where + ": a rule has exactly one of literal and regex");
        rule.regex = r.contains("regex");
        rule.pattern = r.at(rule.regex ? "regex" : "literal").get<std::string>();
        if (rule.pattern.empty()) throw PolicyError(where + ": the pattern is empty");
        const std::optional<RuleAction> action = parse_rule_action(r.value("action", "violate"));
        if (!action) throw PolicyError(where + ": action must be violate, safe or escalate");
        rule.action = *action;
        rules.push_back(std::move(rule));
    }
    return rules;
}

CascadeSettings cascade_from_json(const nlohmann::json& object) {
    if (!object.is_object()) throw PolicyError("policy field 'cascade' must be an object");
    static const std::set<std::string> known = {"fast", "safe_below", "violate_above", "reason_violations",
                                                "reason_band"};
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key))
            throw PolicyError("unknown cascade field '" + key +
                              "' (known: fast, safe_below, violate_above, reason_violations, reason_band)");
    }
    CascadeSettings c;
    const auto flag = [&](const char* key, bool fallback) {
        if (!object.contains(key)) return fallback;
        if (!object.at(key).is_boolean())
            throw PolicyError(std::string("cascade.") + key + " must be true or false");
        return object.at(key).get<bool>();
    };
    c.fast = flag("fast", c.fast);
    c.reason_violations = flag("reason_violations", c.reason_violations);
    c.safe_below = probability(object, "safe_below", c.safe_below);
    c.violate_above = probability(object, "violate_above", c.violate_above);
    if (object.contains("reason_band")) {
        const nlohmann::json& band = object.at("reason_band");
        if (!band.is_array() || band.size() != 2)
            throw PolicyError("cascade.reason_band must be [low, high], e.g. [0.2, 0.8]");
        const nlohmann::json pair = {{"low", band[0]}, {"high", band[1]}};
        c.reason_low = probability(pair, "low", 0);
        c.reason_high = probability(pair, "high", 1);
    }
    if (c.safe_below > c.violate_above) throw PolicyError("cascade: safe_below is above violate_above");
    if (c.reason_low > c.reason_high) throw PolicyError("cascade: reason_band's low is above its high");
    return c;
}

int whole_field(const nlohmann::json& object, const char* key, int low, int high, int fallback) {
    if (!object.contains(key)) return fallback;
    const nlohmann::json& v = object.at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < low || v.get<int64_t>() > high)
        throw PolicyError(std::string("stream.") + key + " must be a whole number from " +
                          std::to_string(low) + " to " + std::to_string(high));
    return v.get<int>();
}

StreamSettings stream_from_json(const nlohmann::json& object) {
    if (!object.is_object()) throw PolicyError("policy field 'stream' must be an object");
    for (const auto& [key, value] : object.items()) {
        if (key != "check_every_tokens" && key != "threshold" && key != "consecutive" && key != "at_close" &&
            key != "at_sentence_ends")
            throw PolicyError(
                "unknown stream field '" + key +
                "' (known: check_every_tokens, threshold, consecutive, at_sentence_ends, at_close)");
    }
    StreamSettings st;
    st.check_every_tokens =
        whole_field(object, "check_every_tokens", 1, kMaxStreamCheckTokens, st.check_every_tokens);
    st.consecutive = whole_field(object, "consecutive", 1, kMaxStreamConsecutive, st.consecutive);
    if (object.contains("threshold")) {
        const nlohmann::json& v = object.at("threshold");
        if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1)
            throw PolicyError("stream.threshold must be a number from 0 to 1");
        st.threshold = v.get<double>();
    }
    if (object.contains("at_sentence_ends")) {
        if (!object.at("at_sentence_ends").is_boolean())
            throw PolicyError("stream.at_sentence_ends must be true or false");
        st.at_sentence_ends = object.at("at_sentence_ends").get<bool>();
    }
    if (object.contains("at_close")) {
        const nlohmann::json& v = object.at("at_close");
        if (v != "score" && v != "reason") throw PolicyError("stream.at_close must be score or reason");
        st.reason_at_close = v == "reason";
    }
    return st;
}

bool flag_field(const nlohmann::json& object, const char* key) {
    if (!object.at(key).is_boolean())
        throw PolicyError(std::string("judges.") + key + " must be true or false");
    return object.at(key).get<bool>();
}

JudgedParts judges_from_json(const nlohmann::json& object) {
    if (!object.is_object()) throw PolicyError("policy field 'judges' must be an object");
    JudgedParts parts;
    for (const auto& [key, value] : object.items()) {
        if (key == "text") {
            parts.text = flag_field(object, "text");
        } else if (key == "tool_results") {
            parts.tool_results = flag_field(object, "tool_results");
        } else if (key == "tool_calls" && value.is_array()) {
            for (const auto& name : value) {
                if (!name.is_string())
                    throw PolicyError("judges.tool_calls must be true, false or a list of names");
                parts.tools.push_back(name.get<std::string>());
            }
            if (parts.tools.empty()) throw PolicyError("judges.tool_calls lists no tool");
        } else if (key == "tool_calls") {
            parts.tool_calls = flag_field(object, "tool_calls");
        } else {
            throw PolicyError("unknown judges field '" + key + "' (known: text, tool_calls, tool_results)");
        }
    }
    if (!parts.text && !parts.tool_calls && !parts.tool_results)
        throw PolicyError("judges leaves nothing to judge");
    return parts;
}

}  // namespace

Policy policy_from_json(const nlohmann::json& object, const std::string& id) {
    if (!object.is_object()) throw PolicyError("a policy must be a JSON object");
    static const std::set<std::string> known = {"id",   "version", "title",   "labels", "output", "effort",
                                                "text", "rules",   "cascade", "stream", "judges", "dsa"};
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key))
            throw PolicyError("unknown policy field '" + key +
                              "' (known: id, version, title, labels, output, effort, text, rules, cascade, "
                              "stream, judges, dsa)");
    }
    Policy policy;
    policy.id = object.contains("id") ? string_field(object, "id") : id;
    if (!id.empty() && policy.id != id)
        throw PolicyError("policy id '" + policy.id + "' does not match '" + id + "'");
    if (!valid_policy_id(policy.id))
        throw PolicyError("policy id '" + policy.id + "' must be 1-64 letters, digits, '-', '_' or '.'");
    if (object.contains("version")) {
        const nlohmann::json& v = object.at("version");
        if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 1000000000)
            throw PolicyError("policy field 'version' must be a whole number from 1");
        policy.version = v.get<int>();
    }
    if (object.contains("title")) policy.title = string_field(object, "title");
    if (object.contains("labels")) {
        const nlohmann::json& labels = object.at("labels");
        if (!labels.is_array()) throw PolicyError("policy field 'labels' must be a list of strings");
        for (const auto& label : labels) {
            if (!label.is_string()) throw PolicyError("policy field 'labels' must be a list of strings");
            policy.labels.push_back(label.get<std::string>());
        }
    }
    if (object.contains("output")) {
        const std::string name = string_field(object, "output");
        const auto format = parse_output_format(name);
        if (!format)
            throw PolicyError("policy output must be binary, json or json_rationale, not '" + name + "'");
        policy.output = *format;
    }
    if (object.contains("effort")) {
        const std::string name = string_field(object, "effort");
        const auto effort = parse_reasoning_effort(name);
        if (!effort) throw PolicyError("policy effort must be low, medium or high, not '" + name + "'");
        policy.effort = *effort;
    }
    if (object.contains("rules")) policy.rules = rules_from_json(object.at("rules"));
    if (object.contains("cascade")) policy.cascade = cascade_from_json(object.at("cascade"));
    if (object.contains("stream")) policy.stream = stream_from_json(object.at("stream"));
    if (object.contains("judges")) policy.judges = judges_from_json(object.at("judges"));
    if (object.contains("dsa") && !object.at("dsa").is_null()) policy.dsa = dsa_from_json(object.at("dsa"));
    if (!object.contains("text")) throw PolicyError("a policy needs its 'text'");
    policy.text = string_field(object, "text");
    if (policy.text.find_first_not_of(" \t\r\n") == std::string::npos)
        throw PolicyError("the policy has no text");
    if (policy.text.size() > kMaxPolicyBytes)
        throw PolicyError("policy text is larger than " + std::to_string(kMaxPolicyBytes / 1024) + " KiB");
    if (policy.text.find('\0') != std::string::npos) throw PolicyError("policy text contains a NUL byte");
    return policy;
}

nlohmann::ordered_json policy_to_json(const Policy& policy) {
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const Rule& r : policy.rules)
        rules.push_back({{"id", r.id},
                         {r.regex ? "regex" : "literal", r.pattern},
                         {"action", std::string(to_string(r.action))}});
    const CascadeSettings& c = policy.cascade;
    nlohmann::ordered_json json = {
        {"id", policy.id},
        {"version", policy.version},
        {"title", policy.title},
        {"labels", policy.labels},
        {"output", std::string(to_string(policy.output))},
        {"effort", std::string(to_string(policy.effort))},
        {"text", policy.text},
        {"rules", rules},
        {"cascade",
         {{"fast", c.fast},
          {"safe_below", c.safe_below},
          {"violate_above", c.violate_above},
          {"reason_violations", c.reason_violations},
          {"reason_band", {c.reason_low, c.reason_high}}}},
        {"stream",
         {{"check_every_tokens", policy.stream.check_every_tokens},
          {"threshold", policy.stream.threshold},
          {"consecutive", policy.stream.consecutive},
          {"at_sentence_ends", policy.stream.at_sentence_ends},
          {"at_close", policy.stream.reason_at_close ? "reason" : "score"}}},
        {"judges",
         {{"text", policy.judges.text},
          {"tool_calls", policy.judges.tools.empty() ? nlohmann::ordered_json(policy.judges.tool_calls)
                                                     : nlohmann::ordered_json(policy.judges.tools)},
          {"tool_results", policy.judges.tool_results}}}};
    // Only where set, so that a policy without one keeps the JSON it was stored with.
    if (policy.dsa) json["dsa"] = dsa_to_json(*policy.dsa);
    return json;
}

}  // namespace arbiter
