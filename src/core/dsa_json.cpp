#include "core/dsa_json.h"

#include <set>

#include "core/policy_file.h"

namespace arbiter {

namespace {

std::string text(const nlohmann::json& object, const char* key) {
    if (!object.contains(key)) return "";
    const nlohmann::json& v = object.at(key);
    if (!v.is_string()) throw PolicyError(std::string("dsa.") + key + " must be a string");
    return v.get<std::string>();
}

std::vector<std::string> names(const nlohmann::json& object, const char* key,
                               std::vector<std::string> fallback) {
    if (!object.contains(key)) return fallback;
    const nlohmann::json& v = object.at(key);
    if (!v.is_array() || v.size() > 100)
        throw PolicyError(std::string("dsa.") + key + " must be a list of names");
    std::vector<std::string> out;
    for (const auto& name : v) {
        if (!name.is_string()) throw PolicyError(std::string("dsa.") + key + " must be a list of names");
        out.push_back(name.get<std::string>());
    }
    return out;
}

}  // namespace

nlohmann::ordered_json dsa_to_json(const DsaMapping& dsa) {
    nlohmann::ordered_json j = {{"decision_ground", dsa.decision_ground},
                                {"ground", dsa.ground},
                                {"explanation", dsa.explanation},
                                {"category", dsa.category}};
    if (!dsa.reference_url.empty()) j["reference_url"] = dsa.reference_url;
    if (!dsa.categories.empty()) j["categories"] = dsa.categories;
    j["decision_visibility"] = dsa.decision_visibility;
    if (!dsa.decision_visibility_other.empty())
        j["decision_visibility_other"] = dsa.decision_visibility_other;
    j["content_type"] = dsa.content_type;
    j["source_type"] = dsa.source_type;
    return j;
}

DsaMapping dsa_from_json(const nlohmann::json& object) {
    if (!object.is_object()) throw PolicyError("policy field 'dsa' must be an object");
    static const std::set<std::string> known = {"decision_ground",
                                                "ground",
                                                "explanation",
                                                "reference_url",
                                                "category",
                                                "categories",
                                                "decision_visibility",
                                                "content_type",
                                                "source_type",
                                                "decision_visibility_other"};
    for (const auto& [key, value] : object.items()) {
        if (!known.contains(key))
            throw PolicyError("unknown dsa field '" + key +
                              "' (known: decision_ground, ground, explanation, reference_url, category, "
                              "categories, decision_visibility, decision_visibility_other, content_type, "
                              "source_type)");
    }
    DsaMapping dsa;
    dsa.decision_ground = text(object, "decision_ground");
    dsa.ground = text(object, "ground");
    dsa.explanation = text(object, "explanation");
    dsa.reference_url = text(object, "reference_url");
    dsa.category = text(object, "category");
    if (object.contains("categories")) {
        const nlohmann::json& map = object.at("categories");
        if (!map.is_object())
            throw PolicyError("dsa.categories must map verdict categories to database categories");
        for (const auto& [label, category] : map.items()) {
            if (!category.is_string()) throw PolicyError("dsa.categories." + label + " must be a string");
            dsa.categories[label] = category.get<std::string>();
        }
    }
    dsa.decision_visibility = names(object, "decision_visibility", {});
    dsa.decision_visibility_other = text(object, "decision_visibility_other");
    dsa.content_type = names(object, "content_type", dsa.content_type);
    if (object.contains("source_type")) dsa.source_type = text(object, "source_type");
    if (const std::optional<std::string> error = dsa_mapping_error(dsa)) throw PolicyError(*error);
    return dsa;
}

}  // namespace arbiter
