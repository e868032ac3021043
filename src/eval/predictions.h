#pragma once
// predictions.jsonl: one line per (item, policy), the verdict as `arbiter classify` prints it
// plus "gold" (true, false or null). What metrics, reports, comparisons and resumed runs read.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/dataset.h"

namespace arbiter::eval {

struct Prediction {
    std::string id;
    std::string policy;
    int policy_version = 0;
    std::optional<bool> gold;
    std::optional<bool> violation;  // set when status is ok
    std::optional<double> probability;
    std::string tier = "model";              // which cascade tier decided: rules, fast, model
    std::optional<double> fast_probability;  // the cascade's fast tier, when it ran
    std::string status;                      // ok, unparseable, error
    std::string rationale;
    std::string content;  // the user message as the model saw it (shortened), for reports
    int prompt_tokens = 0;
    int cached_tokens = 0;
    int completion_tokens = 0;
    double latency_ms = 0;
};

// One line of a predictions file, or a verdict as the service returns it (plus "gold" and
// "content" where known). Throws nlohmann::json::exception for a missing or mistyped field.
Prediction prediction_from_json(const nlohmann::json& line);

// Reads a predictions file; throws DatasetError naming the line that is not a prediction.
std::vector<Prediction> read_predictions(const std::filesystem::path& path);

}  // namespace arbiter::eval
