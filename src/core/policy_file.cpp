#include "core/policy_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

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

    static const std::set<std::string> known = {"id", "version", "title", "labels", "output", "effort"};
    for (const auto& entry : root) {
        const std::string key = entry.first.Scalar();
        const int line = base + entry.first.Mark().line;
        if (!known.contains(key)) {
            throw error_at(
                source, line,
                "unknown front matter key '" + key + "' (known: id, version, title, labels, output, effort)");
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
    Policy policy;
    policy.id = std::filesystem::path(source).stem().string();
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
