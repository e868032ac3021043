#include "core/policy_json.h"

#include <set>

namespace arbiter {

namespace {

std::string string_field(const nlohmann::json& object, const char* key) {
    const nlohmann::json& value = object.at(key);
    if (!value.is_string()) throw PolicyError(std::string("policy field '") + key + "' must be a string");
    return value.get<std::string>();
}

}  // namespace

Policy policy_from_json(const nlohmann::json& object, const std::string& id) {
    if (!object.is_object()) throw PolicyError("a policy must be a JSON object");
    static const std::set<std::string> known = {"id",     "version", "title", "labels",
                                                "output", "effort",  "text"};
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key))
            throw PolicyError("unknown policy field '" + key +
                              "' (known: id, version, title, labels, output, effort, text)");
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
    return {{"id", policy.id},
            {"version", policy.version},
            {"title", policy.title},
            {"labels", policy.labels},
            {"output", std::string(to_string(policy.output))},
            {"effort", std::string(to_string(policy.effort))},
            {"text", policy.text}};
}

}  // namespace arbiter
