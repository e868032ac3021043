#include "core/dsa_front_matter.h"

#include <cctype>
#include <map>

#include "core/policy_file.h"

namespace arbiter {

namespace {

constexpr std::string_view kKnown =
    "decision_ground, ground, explanation, reference_url, category, categories, decision_visibility, "
    "decision_visibility_other, content_type, source_type";

PolicyError at(const std::string& source, int line, const std::string& message) {
    return PolicyError(source + ":" + std::to_string(line) + ": " + message);
}

std::string one_value(const YAML::Node& node, const std::string& key, const std::string& source, int line) {
    if (!node.IsScalar()) throw at(source, line, "dsa." + key + " must be a single value");
    return node.Scalar();
}

std::vector<std::string> list(const YAML::Node& node, const std::string& key, const std::string& source,
                              int line) {
    if (!node.IsSequence() || node.size() == 0 || node.size() > 100)
        throw at(source, line,
                 "dsa." + key + " must be a list, e.g. [" +
                     (key == "content_type" ? "CONTENT_TYPE_TEXT" : "DECISION_VISIBILITY_CONTENT_REMOVED") +
                     "]");
    std::vector<std::string> out;
    for (const YAML::Node& item : node) out.push_back(one_value(item, key, source, line));
    return out;
}

std::map<std::string, std::string> category_map(const YAML::Node& node, const std::string& source, int line) {
    if (!node.IsMap())
        throw at(source, line,
                 "dsa.categories must map verdict categories to the database's, e.g. {SP4: "
                 "STATEMENT_CATEGORY_SCAMS_AND_FRAUD}");
    std::map<std::string, std::string> out;
    for (const auto& entry : node) {
        const std::string label = one_value(entry.first, "categories", source, line);
        out[label] = one_value(entry.second, "categories." + label, source, line);
    }
    return out;
}

// The key a dsa_mapping_error message is about ("dsa.categories.SP4: ..." is about categories).
std::string field_of(const std::string& message) {
    std::string field;
    for (size_t i = 4;
         i < message.size() && (std::islower(static_cast<unsigned char>(message[i])) || message[i] == '_');
         ++i)
        field += message[i];
    return field;
}

}  // namespace

DsaMapping parse_dsa_front_matter(const YAML::Node& map, const std::string& source, int base, int line) {
    if (!map.IsMap()) throw at(source, line, "dsa must be key: value pairs (" + std::string(kKnown) + ")");
    DsaMapping dsa;
    std::map<std::string, int> lines;  // each key's line, for the errors found once all is read
    for (const auto& field : map) {
        const std::string key = field.first.Scalar();
        const int at_line = base + field.first.Mark().line;
        lines[key] = at_line;
        const YAML::Node& v = field.second;
        if (key == "decision_ground")
            dsa.decision_ground = one_value(v, key, source, at_line);
        else if (key == "ground")
            dsa.ground = one_value(v, key, source, at_line);
        else if (key == "explanation")
            dsa.explanation = one_value(v, key, source, at_line);
        else if (key == "reference_url")
            dsa.reference_url = one_value(v, key, source, at_line);
        else if (key == "category")
            dsa.category = one_value(v, key, source, at_line);
        else if (key == "categories")
            dsa.categories = category_map(v, source, at_line);
        else if (key == "decision_visibility")
            dsa.decision_visibility = list(v, key, source, at_line);
        else if (key == "decision_visibility_other")
            dsa.decision_visibility_other = one_value(v, key, source, at_line);
        else if (key == "content_type")
            dsa.content_type = list(v, key, source, at_line);
        else if (key == "source_type")
            dsa.source_type = one_value(v, key, source, at_line);
        else
            throw at(source, at_line, "unknown dsa key '" + key + "' (known: " + std::string(kKnown) + ")");
    }
    if (const std::optional<std::string> error = dsa_mapping_error(dsa)) {
        std::string field = field_of(*error);
        // A missing decision_visibility_other is about the list that asks for it.
        if (!lines.contains(field) && field.ends_with("_other")) field.resize(field.size() - 6);
        const auto where = lines.find(field);
        throw at(source, where == lines.end() ? line : where->second, *error);
    }
    return dsa;
}

}  // namespace arbiter
