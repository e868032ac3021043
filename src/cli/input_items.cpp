#include "cli/input_items.h"

#include <nlohmann/json.hpp>

#include "core/content_json.h"
#include "core/json_input.h"

namespace arbiter::cli {

namespace {

const char* kind_name(ContentKind kind) {
    switch (kind) {
    case ContentKind::message:
        return "message";
    case ContentKind::completion:
        return "completion";
    case ContentKind::conversation:
        return "conversation";
    }
    return "message";
}

}  // namespace

InputReader::InputReader(std::istream& in, std::optional<ContentKind> kind) : in_(in), kind_(kind) {}

std::optional<InputItem> InputReader::next() {
    std::string line;
    while (std::getline(in_, line)) {
        ++line_;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        InputItem item;
        item.id = std::to_string(line_);
        if (line.size() > kMaxLineBytes) {
            item.error = "line " + std::to_string(line_) + " is longer than " +
                         std::to_string(kMaxLineBytes / (size_t{1024} * 1024)) + " MiB";
            return item;
        }
        std::string error;
        const std::optional<nlohmann::json> parsed = parse_json(line, error);
        if (!parsed) {
            item.error = "line " + std::to_string(line_) + " is not valid JSON (" + error + ")";
            return item;
        }
        const nlohmann::json& j = *parsed;
        if (j.is_object() && j.contains("id")) {
            const auto& id = j["id"];
            if (id.is_string())
                item.id = id.get<std::string>();
            else if (id.is_number_unsigned())
                item.id = std::to_string(id.get<uint64_t>());
            else if (id.is_number_integer())
                item.id = std::to_string(id.get<int64_t>());
        }
        try {
            Content content = content_from_json(j);
            if (kind_ && content.kind != *kind_) {
                item.error = "line " + std::to_string(line_) + " is a " + kind_name(content.kind) +
                             ", not a " + kind_name(*kind_) + " (--kind)";
                return item;
            }
            item.content = std::move(content);
        } catch (const ContentError& e) {
            item.error = "line " + std::to_string(line_) + ": " + e.what();
        }
        return item;
    }
    return std::nullopt;
}

}  // namespace arbiter::cli
