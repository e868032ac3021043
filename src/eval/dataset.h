#pragma once
// Labelled datasets for evaluation: JSONL (optionally gzipped) and CSV, with configurable
// content and label fields, and built-in layouts for the OpenAI moderation dataset (binary keys
// S, H, V, HR, SH, S3, H2, V2; a missing key means unknown) and ToxicChat's CSV (user_input,
// toxicity, jailbreaking).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/content.h"

namespace arbiter::eval {

class DatasetError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct DatasetSpec {
    // auto: from the file name and the first record. openai-moderation, toxicchat, jsonl, csv.
    std::string format = "auto";
    std::string id_field = "id";
    std::string text_field;                 // empty: the first of text, prompt, prompts_final, user_input
    std::string response_field;             // empty: "response"; present and not null: a completion
    std::vector<std::string> label_fields;  // empty: the layout's, else "label"
    // Every item gets this label value instead (a dataset of one class, e.g. all unsafe).
    std::optional<std::string> label_constant;
};

struct Label {
    std::string name;
    std::optional<bool> value;  // nullopt: unknown, excluded from metrics
};

struct LabeledItem {
    std::string id;
    Content content;
    std::vector<Label> labels;
};

struct Dataset {
    std::string format;  // the layout used
    std::vector<LabeledItem> items;
    std::vector<std::string> label_names;
};

// Label values read as positive or negative (case and surrounding whitespace ignored; a number
// equal to 1 or 0, such as JSON 1.0); anything else (and a missing value) is unknown.
std::optional<bool> label_value(const std::string& raw);

// Reads at most `limit` items (0: all). Throws DatasetError naming the file and the row, and
// when no item has a known label (naming the label fields it looked for).
Dataset read_dataset(const std::filesystem::path& path, const DatasetSpec& spec, size_t limit = 0);

}  // namespace arbiter::eval
