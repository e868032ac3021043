#include "core/policy_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/dsa_front_matter.h"
#include "core/utf8.h"

namespace arbiter {

namespace {

struct Split {
    std::string_view front;  // YAML between the fences, empty if none
    std::string_view body;
    int front_line = 0;  // file line of the YAML's first line
    int body_line = 1;   // file line of the body's first line
};

PolicyError error_at(const std::string& source, int line, const std::string& message) {
    return PolicyError(source + ":" + std::to_string(line) + ": " + message);
}

int lines_in(std::string_view s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

Split split_front_matter(std::string_view text, const std::string& source) {
    Split out;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // UTF-8 byte order mark
    if (!(text.starts_with("---\n") || text.starts_with("---\r\n"))) {
        out.body = text;
        return out;
    }
    const size_t yaml_start = text.find('\n') + 1;
    size_t pos = yaml_start;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        if (line.ends_with('\r')) line.remove_suffix(1);
        if (line == "---" || line == "...") {
            out.front = text.substr(yaml_start, pos - yaml_start);
            out.front_line = 2;
            out.body = eol < text.size() ? text.substr(eol + 1) : std::string_view{};
            out.body_line = 2 + lines_in(out.front) + 1;
            return out;
        }
        pos = eol + 1;
    }
    throw error_at(source, 1, "front matter opened with --- is never closed");
}

std::string scalar(const YAML::Node& node, const std::string& key, const std::string& source, int base) {
    if (!node.IsScalar()) {
        throw error_at(source, base + node.Mark().line, "'" + key + "' must be a single value");
    }
    return node.Scalar();
}

// Reads a 0-1 number; `line` names it in errors.
double probability(const YAML::Node& node, const std::string& key, const std::string& source, int base) {
    const std::string v = scalar(node, key, source, base);
    const int line = base + node.Mark().line;
    try {
        size_t used = 0;
        const double p = std::stod(v, &used);
        if (used == v.size() && p >= 0.0 && p <= 1.0) return p;
    } catch (const std::exception&) {
    }
    throw error_at(source, line, "'" + key + "' must be a number from 0 to 1, not '" + v + "'");
}

bool boolean(const YAML::Node& node, const std::string& key, const std::string& source, int base) {
    const std::string v = scalar(node, key, source, base);
    if (v == "true" || v == "yes") return true;
    if (v == "false" || v == "no") return false;
    throw error_at(source, base + node.Mark().line, "'" + key + "' must be true or false, not '" + v + "'");
}

std::vector<Rule> parse_rules(const YAML::Node& list, const std::string& source, int base, int line) {
    if (!list.IsSequence()) {
        throw error_at(source, line,
                       "rules must be a list, e.g. [{id: r1, literal: \"buy now\", action: violate}]");
    }
    if (list.size() > kMaxRulesPerPolicy) {
        throw error_at(source, line, "more than " + std::to_string(kMaxRulesPerPolicy) + " rules");
    }
    std::vector<Rule> rules;
    std::set<std::string> ids;
    for (const YAML::Node& node : list) {
        Rule rule;
        rule.line = base + node.Mark().line;
        if (!node.IsMap())
            throw error_at(source, rule.line, "a rule must be a map with id, literal or regex, action");
        bool has_action = false;
        for (const auto& field : node) {
            const std::string key = field.first.Scalar();
            if (key == "id") {
                rule.id = scalar(field.second, "id", source, base);
            } else if (key == "literal" || key == "regex") {
                if (!rule.pattern.empty())
                    throw error_at(source, rule.line, "a rule has either literal or regex, not both");
                rule.regex = key == "regex";
                rule.pattern = scalar(field.second, key, source, base);
                if (rule.pattern.empty())
                    throw error_at(source, rule.line, "rule '" + rule.id + "': empty " + key);
                if (rule.pattern.size() > kMaxRulePatternBytes) {
                    throw error_at(source, rule.line,
                                   "rule '" + rule.id + "': pattern longer than " +
                                       std::to_string(kMaxRulePatternBytes) + " bytes");
                }
            } else if (key == "action") {
                const std::string v = scalar(field.second, key, source, base);
                const auto action = parse_rule_action(v);
                if (!action) {
                    throw error_at(source, base + field.second.Mark().line,
                                   "rule action must be violate, safe or escalate, not '" + v + "'");
                }
                rule.action = *action;
                has_action = true;
            } else {
                throw error_at(source, base + field.first.Mark().line,
                               "unknown rule key '" + key + "' (known: id, literal, regex, action)");
            }
        }
        if (!valid_policy_id(rule.id))
            throw error_at(source, rule.line, "a rule needs an id of 1-64 letters, digits, '-', '_' or '.'");
        if (!ids.insert(rule.id).second)
            throw error_at(source, rule.line, "rule id '" + rule.id + "' is used twice");
        if (rule.pattern.empty())
            throw error_at(source, rule.line, "rule '" + rule.id + "' needs literal or regex");
        if (!has_action)
            throw error_at(source, rule.line,
                           "rule '" + rule.id + "' needs an action (violate, safe or escalate)");
        rules.push_back(std::move(rule));
    }
    return rules;
}

CascadeSettings parse_cascade(const YAML::Node& map, const std::string& source, int base, int line) {
    if (!map.IsMap()) throw error_at(source, line, "cascade must be key: value pairs");
    CascadeSettings c;
    for (const auto& field : map) {
        const std::string key = field.first.Scalar();
        const YAML::Node& v = field.second;
        if (key == "fast") {
            c.fast = boolean(v, key, source, base);
        } else if (key == "safe_below") {
            c.safe_below = probability(v, key, source, base);
        } else if (key == "violate_above") {
            c.violate_above = probability(v, key, source, base);
        } else if (key == "reason_violations") {
            c.reason_violations = boolean(v, key, source, base);
        } else if (key == "reason_band") {
            if (!v.IsSequence() || v.size() != 2)
                throw error_at(source, base + v.Mark().line,
                               "reason_band must be [low, high], e.g. [0.2, 0.8]");
            c.reason_low = probability(v[0], key, source, base);
            c.reason_high = probability(v[1], key, source, base);
        } else {
            throw error_at(source, base + field.first.Mark().line,
                           "unknown cascade key '" + key +
                               "' (known: fast, safe_below, violate_above, reason_violations, reason_band)");
        }
    }
    if (c.safe_below > c.violate_above)
        throw error_at(source, line, "cascade: safe_below is above violate_above");
    if (c.reason_low > c.reason_high)
        throw error_at(source, line, "cascade: reason_band's low is above its high");
    return c;
}

int whole(const YAML::Node& node, const std::string& key, const std::string& source, int base, int low,
          int high) {
    const std::string text = scalar(node, key, source, base);
    try {
        size_t used = 0;
        const int value = std::stoi(text, &used);
        if (used == text.size() && value >= low && value <= high) return value;
    } catch (const std::exception&) {
    }
    throw error_at(
        source, base + node.Mark().line,
        key + " must be a whole number from " + std::to_string(low) + " to " + std::to_string(high));
}

StreamSettings parse_stream(const YAML::Node& map, const std::string& source, int base, int line) {
    if (!map.IsMap()) throw error_at(source, line, "stream must be key: value pairs");
    StreamSettings st;
    for (const auto& field : map) {
        const std::string key = field.first.Scalar();
        const YAML::Node& v = field.second;
        if (key == "check_every_tokens") {
            st.check_every_tokens = whole(v, key, source, base, 1, kMaxStreamCheckTokens);
        } else if (key == "threshold") {
            st.threshold = probability(v, key, source, base);
        } else if (key == "consecutive") {
            st.consecutive = whole(v, key, source, base, 1, kMaxStreamConsecutive);
        } else if (key == "at_sentence_ends") {
            st.at_sentence_ends = boolean(v, key, source, base);
        } else if (key == "at_close") {
            const std::string at = scalar(v, key, source, base);
            if (at != "score" && at != "reason")
                throw error_at(source, base + v.Mark().line,
                               "at_close must be score or reason, not '" + at + "'");
            st.reason_at_close = at == "reason";
        } else {
            throw error_at(
                source, base + field.first.Mark().line,
                "unknown stream key '" + key +
                    "' (known: check_every_tokens, threshold, consecutive, at_sentence_ends, at_close)");
        }
    }
    return st;
}

JudgedParts parse_judges(const YAML::Node& map, const std::string& source, int base, int line) {
    if (!map.IsMap()) throw error_at(source, line, "judges must be key: value pairs, e.g. {text: false}");
    JudgedParts parts;
    for (const auto& field : map) {
        const std::string key = field.first.Scalar();
        const YAML::Node& v = field.second;
        if (key == "text") {
            parts.text = boolean(v, key, source, base);
        } else if (key == "tool_results") {
            parts.tool_results = boolean(v, key, source, base);
        } else if (key == "tool_calls" && v.IsSequence()) {
            for (const auto& name : v) parts.tools.push_back(scalar(name, key, source, base));
            if (parts.tools.empty()) throw error_at(source, base + v.Mark().line, "tool_calls lists no tool");
        } else if (key == "tool_calls") {
            parts.tool_calls = boolean(v, key, source, base);
        } else {
            throw error_at(source, base + field.first.Mark().line,
                           "unknown judges key '" + key + "' (known: text, tool_calls, tool_results)");
        }
    }
    if (!parts.text && !parts.tool_calls && !parts.tool_results)
        throw error_at(source, line, "judges leaves nothing to judge");
    return parts;
}

void apply_front_matter(Policy& policy, const Split& split, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(split.front));
    } catch (const YAML::Exception& e) {
        throw error_at(source, split.front_line + std::max(e.mark.line, 0), "invalid front matter: " + e.msg);
    }
    if (root.IsNull()) return;
    if (!root.IsMap()) throw error_at(source, split.front_line, "front matter must be key: value pairs");
    const int base = split.front_line;

    static const std::set<std::string> known = {"id",    "version", "title",  "labels", "output", "effort",
                                                "rules", "cascade", "stream", "judges", "dsa"};
    for (const auto& entry : root) {
        const std::string key = entry.first.Scalar();
        const int line = base + entry.first.Mark().line;
        if (!known.contains(key)) {
            throw error_at(source, line,
                           "unknown front matter key '" + key +
                               "' (known: id, version, title, labels, output, effort, rules, cascade, "
                               "stream, judges, dsa)");
        }
        const YAML::Node& value = entry.second;
        if (key == "id") {
            policy.id = scalar(value, key, source, base);
            if (!valid_policy_id(policy.id)) {
                throw error_at(source, line,
                               "id '" + policy.id + "' must be 1-64 letters, digits, '-', '_' or '.'");
            }
        } else if (key == "version") {
            const std::string v = scalar(value, key, source, base);
            int version = 0;
            try {
                size_t used = 0;
                version = std::stoi(v, &used);
                if (used != v.size()) version = 0;
            } catch (const std::exception&) {
                version = 0;
            }
            if (version < 1)
                throw error_at(source, line, "version must be a whole number from 1, not '" + v + "'");
            policy.version = version;
        } else if (key == "title") {
            policy.title = scalar(value, key, source, base);
        } else if (key == "labels") {
            if (!value.IsSequence()) throw error_at(source, line, "labels must be a list, e.g. [SP2, SP3]");
            for (const auto& label : value) policy.labels.push_back(scalar(label, "labels", source, base));
        } else if (key == "output") {
            const std::string v = scalar(value, key, source, base);
            const auto format = parse_output_format(v);
            if (!format)
                throw error_at(source, line,
                               "output must be binary, json or json_rationale, not '" + v + "'");
            policy.output = *format;
        } else if (key == "effort") {
            const std::string v = scalar(value, key, source, base);
            const auto effort = parse_reasoning_effort(v);
            if (!effort) throw error_at(source, line, "effort must be low, medium or high, not '" + v + "'");
            policy.effort = *effort;
        } else if (key == "rules") {
            policy.rules = parse_rules(value, source, base, line);
        } else if (key == "cascade") {
            policy.cascade = parse_cascade(value, source, base, line);
        } else if (key == "stream") {
            policy.stream = parse_stream(value, source, base, line);
        } else if (key == "judges") {
            policy.judges = parse_judges(value, source, base, line);
        } else if (key == "dsa") {
            policy.dsa = parse_dsa_front_matter(value, source, base, line);
        }
    }
}

std::string_view trim_blank_lines(std::string_view body) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    // Drop whole blank lines at the start (keep indentation of the first real line).
    size_t start = 0;
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\n')
            start = i + 1;
        else if (!is_space(body[i]))
            break;
    }
    body.remove_prefix(std::min(start, body.size()));
    while (!body.empty() && is_space(body.back())) body.remove_suffix(1);
    return body;
}

}  // namespace

int body_first_line(std::string_view text) {
    try {
        const Split split = split_front_matter(text, "");
        std::string_view body = split.body;
        int line = split.body_line;
        while (!body.empty() && (body.front() == '\n' || body.front() == '\r' || body.front() == ' ' ||
                                 body.front() == '\t')) {
            if (body.front() == '\n') ++line;
            body.remove_prefix(1);
        }
        return line;
    } catch (const PolicyError&) {
        return 1;
    }
}

Policy parse_policy(std::string_view text, const std::string& source) {
    if (text.size() > kMaxPolicyBytes) {
        throw error_at(source, 1, "policy is larger than " + std::to_string(kMaxPolicyBytes / 1024) + " KiB");
    }
    if (text.find('\0') != std::string_view::npos) throw error_at(source, 1, "policy contains a NUL byte");
    // Policies travel as JSON (the API, the store): their text must be UTF-8.
    if (const std::optional<size_t> bad = first_invalid_utf8(text))
        throw error_at(source, 1 + lines_in(text.substr(0, *bad)),
                       "policy is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
    Policy policy;
    policy.id = std::filesystem::path(source).stem().string();
    policy.source = source;
    const Split split = split_front_matter(text, source);
    if (!split.front.empty()) apply_front_matter(policy, split, source);
    if (!valid_policy_id(policy.id)) {
        throw error_at(source, 1,
                       "no usable id: name the file with letters, digits, '-', '_' or '.', or set id:");
    }
    policy.text = std::string(trim_blank_lines(split.body));
    if (policy.text.empty()) throw error_at(source, split.body_line, "the policy has no text");
    return policy;
}

bool states_version(std::string_view text) {
    try {
        const Split split = split_front_matter(text, "policy");
        if (split.front.empty()) return false;
        const YAML::Node root = YAML::Load(std::string(split.front));
        return root.IsMap() && root["version"].IsDefined();
    } catch (const std::exception&) {
        return false;  // parse_policy says what is wrong
    }
}

Policy load_policy_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        throw PolicyError(path.string() + ": " +
                          (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
    }
    if (std::filesystem::file_size(path, ec) > kMaxPolicyBytes) {
        throw error_at(path.string(), 1,
                       "policy is larger than " + std::to_string(kMaxPolicyBytes / 1024) + " KiB");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw PolicyError(path.string() + ": cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return parse_policy(text.str(), path.string());
}

std::vector<Policy> load_policies(const std::filesystem::path& file_or_dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(file_or_dir, ec)) return {load_policy_file(file_or_dir)};

    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(file_or_dir, ec)) {
        if (entry.is_regular_file() && entry.path().extension() == ".md") files.push_back(entry.path());
    }
    if (ec) throw PolicyError(file_or_dir.string() + ": cannot be read (" + ec.message() + ")");
    if (files.empty()) throw PolicyError(file_or_dir.string() + ": no policy files (*.md) in this folder");
    std::sort(files.begin(), files.end());

    std::vector<Policy> policies;
    std::map<std::string, std::string> seen;  // id -> file
    for (const auto& file : files) {
        Policy p = load_policy_file(file);
        if (const auto it = seen.find(p.id); it != seen.end()) {
            throw PolicyError(file.string() + ": policy id '" + p.id + "' is also used by " + it->second);
        }
        seen[p.id] = file.string();
        policies.push_back(std::move(p));
    }
    return policies;
}

}  // namespace arbiter
