#pragma once
// report.html: one self-contained page (inline CSS and SVG, nothing fetched) that someone who is
// not an engineer can read: the summary table, confusion matrices, precision-recall curves,
// per-policy bars, and every disagreement with the model's reasoning.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/predictions.h"

namespace arbiter::eval {

std::string render_report(const nlohmann::ordered_json& metrics, const std::vector<Prediction>& predictions,
                          const std::string& title);

// Text made safe for HTML (and valid UTF-8).
std::string html_escape(std::string_view text);

}  // namespace arbiter::eval
