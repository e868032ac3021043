#include "eval/predictions.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/json_input.h"

namespace arbiter::eval {

Prediction prediction_from_json(const nlohmann::json& j) {
    Prediction p;
    p.id = j.at("id").get<std::string>();
    p.policy = j.at("policy").get<std::string>();
    p.policy_version = j.value("policy_version", 0);
    p.status = j.at("status").get<std::string>();
    if (j.contains("gold") && !j["gold"].is_null()) p.gold = j["gold"].get<bool>();
    if (j.contains("violation") && !j["violation"].is_null()) p.violation = j["violation"].get<bool>();
    if (j.contains("probability") && !j["probability"].is_null())
        p.probability = j["probability"].get<double>();
    if (j.contains("tier") && j["tier"].is_string()) p.tier = j["tier"].get<std::string>();
    if (j.contains("fast_probability") && !j["fast_probability"].is_null())
        p.fast_probability = j["fast_probability"].get<double>();
    if (j.contains("rationale") && j["rationale"].is_string())
        p.rationale = j["rationale"].get<std::string>();
    if (j.contains("content") && j["content"].is_string()) p.content = j["content"].get<std::string>();
    if (j.contains("usage") && j["usage"].is_object()) {
        p.prompt_tokens = j["usage"].value("prompt_tokens", 0);
        p.cached_tokens = j["usage"].value("cached_tokens", 0);
        p.completion_tokens = j["usage"].value("completion_tokens", 0);
    }
    p.latency_ms = j.value("latency_ms", 0.0);
    return p;
}

std::vector<Prediction> read_predictions(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DatasetError(path.string() + ": cannot be read");
    std::vector<Prediction> out;
    std::string line;
    size_t line_no = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        std::string error;
        const std::optional<nlohmann::json> parsed = parse_json(line, error);
        const auto where = [&] { return path.string() + ":" + std::to_string(line_no) + ": "; };
        if (!parsed || !parsed->is_object()) throw DatasetError(where() + "not a JSON object");
        const nlohmann::json& j = *parsed;
        try {
            out.push_back(prediction_from_json(j));
        } catch (const nlohmann::json::exception& e) {
            throw DatasetError(where() + "not a prediction (" + e.what() + ")");
        }
    }
    return out;
}

}  // namespace arbiter::eval
