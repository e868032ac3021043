#include "eval/dataset.h"

#include <csv.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/content_json.h"
#include "core/json_input.h"

namespace arbiter::eval {

namespace {

constexpr std::array<std::string_view, 8> kModerationKeys = {"S", "H", "V", "HR", "SH", "S3", "H2", "V2"};
constexpr std::array<std::string_view, 4> kTextFields = {"text", "prompt", "prompts_final", "user_input"};

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

// The whole file, decompressed when it is gzip (zlib reads plain files unchanged).
std::string read_all(const std::filesystem::path& path) {
    std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
    if (!f) throw DatasetError(path.string() + ": cannot be read");
    std::string out;
    std::array<char, 65536> buffer{};
    int n = 0;
    while ((n = gzread(f.get(), buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
        out.append(buffer.data(), static_cast<size_t>(n));
    }
    if (n < 0) throw DatasetError(path.string() + ": cannot be decompressed");
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// One record, as field -> value (null when absent or JSON null).
using Record = std::vector<std::pair<std::string, std::optional<std::string>>>;

std::optional<std::string> field(const Record& r, const std::string& name) {
    for (const auto& [k, v] : r) {
        if (k == name) return v;
    }
    return std::nullopt;
}

bool has_field(const Record& r, const std::string& name) {
    return std::any_of(r.begin(), r.end(), [&](const auto& kv) { return kv.first == name; });
}

std::optional<std::string> json_scalar(const nlohmann::json& v) {
    if (v.is_null()) return std::nullopt;
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_number()) return v.dump();
    return v.dump();
}

struct CsvState {
    std::vector<std::string> row;
    std::vector<std::vector<std::string>> rows;
};

std::vector<std::vector<std::string>> parse_csv(const std::string& text, const std::filesystem::path& path) {
    csv_parser parser{};
    if (csv_init(&parser, CSV_APPEND_NULL) != 0) throw DatasetError("cannot start the CSV parser");
    CsvState state;
    const auto on_field = [](void* s, size_t len, void* data) {
        static_cast<CsvState*>(data)->row.emplace_back(static_cast<const char*>(s), len);
    };
    const auto on_row = [](int, void* data) {
        auto* st = static_cast<CsvState*>(data);
        st->rows.push_back(std::move(st->row));
        st->row.clear();
    };
    const size_t used = csv_parse(&parser, text.data(), text.size(), on_field, on_row, &state);
    const bool failed = used != text.size();
    csv_fini(&parser, on_field, on_row, &state);
    const std::string why = csv_strerror(csv_error(&parser));
    csv_free(&parser);
    if (failed) throw DatasetError(path.string() + ": invalid CSV (" + why + ")");
    return state.rows;
}

std::vector<Record> jsonl_records(const std::string& text, const std::filesystem::path& path,
                                  const std::vector<std::string>& keep_json,
                                  std::vector<nlohmann::json>& raw) {
    std::vector<Record> out;
    size_t pos = 0;
    size_t line_no = 0;
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string::npos) eol = text.size();
        const std::string_view line(text.data() + pos, eol - pos);
        pos = eol + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        std::string error;
        const std::optional<nlohmann::json> parsed = parse_json(line, error);
        if (!parsed || !parsed->is_object()) {
            throw DatasetError(path.string() + ":" + std::to_string(line_no) + ": not a JSON object" +
                               (parsed ? "" : " (" + error + ")"));
        }
        const nlohmann::json& j = *parsed;
        Record r;
        for (const auto& [k, v] : j.items()) {
            if (std::find(keep_json.begin(), keep_json.end(), k) != keep_json.end()) continue;
            r.emplace_back(k, json_scalar(v));
        }
        out.push_back(std::move(r));
        raw.push_back(j);
    }
    return out;
}

// The records of a CSV file, by its header.
std::vector<Record> csv_records(const std::string& text, const std::filesystem::path& path) {
    const auto rows = parse_csv(text, path);
    if (rows.empty()) throw DatasetError(path.string() + ": empty CSV");
    const std::vector<std::string>& header = rows.front();
    std::vector<Record> records;
    for (size_t i = 1; i < rows.size(); ++i) {
        if (rows[i].size() != header.size()) {
            throw DatasetError(path.string() + ": row " + std::to_string(i + 1) + " has " +
                               std::to_string(rows[i].size()) + " fields, the header " +
                               std::to_string(header.size()));
        }
        Record r;
        for (size_t c = 0; c < header.size(); ++c) r.emplace_back(header[c], rows[i][c]);
        records.push_back(std::move(r));
    }
    return records;
}

// The format a file's first record shows (toxicchat's or OpenAI's moderation set, or plain).
std::string detected_format(bool csv, const Record& first) {
    if (csv) return has_field(first, "user_input") && has_field(first, "toxicity") ? "toxicchat" : "csv";
    const bool moderation = has_field(first, "prompt") &&
                            std::any_of(kModerationKeys.begin(), kModerationKeys.end(),
                                        [&](std::string_view k) { return has_field(first, std::string(k)); });
    return moderation ? "openai-moderation" : "jsonl";
}

// The label fields a format has when none are named.
std::vector<std::string> default_labels(const std::string& format) {
    if (format == "openai-moderation") return {kModerationKeys.begin(), kModerationKeys.end()};
    if (format == "toxicchat") return {"toxicity", "jailbreaking"};
    return {"label"};
}

// A record's messages as a conversation, read as the API reads them (an agent's tool calls and
// results included); `where` names the record in errors.
Content conversation_of(const nlohmann::json& messages, const std::string& where) {
    try {
        return content_from_json(nlohmann::json{{"messages", messages}});
    } catch (const ContentError& e) {
        throw DatasetError(where + ": " + e.what());
    }
}

// A dataset none of whose items has a known label measures nothing: say which fields were read.
void require_a_known_label(const Dataset& d, const std::filesystem::path& path) {
    const bool any_known = std::any_of(d.items.begin(), d.items.end(), [](const LabeledItem& item) {
        return std::any_of(item.labels.begin(), item.labels.end(),
                           [](const Label& l) { return l.value.has_value(); });
    });
    if (any_known) return;
    std::string fields;
    for (const std::string& l : d.label_names) fields += (fields.empty() ? "" : ", ") + l;
    throw DatasetError(path.string() + ": no item has a known label (label fields looked for: " + fields +
                       "; positive: 1, true, yes, harmful, unsafe, toxic, violating; negative: 0, false, no, "
                       "unharmful, safe, non-toxic, benign); name the field with --label-field");
}

}  // namespace

std::optional<bool> label_value(const std::string& raw) {
    // Labels written by hand or by other tools carry stray whitespace ("harmful "), and JSON
    // numbers come as 1.0 as often as 1: both mean the label, not an unknown.
    const size_t first = raw.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return std::nullopt;
    const std::string v = lower(raw.substr(first, raw.find_last_not_of(" \t\r\n") - first + 1));
    double number = 0;
    const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), number);
    if (error == std::errc() && end == v.data() + v.size()) {
        if (number == 1) return true;
        if (number == 0) return false;
        return std::nullopt;
    }
    if (v == "1" || v == "true" || v == "yes" || v == "harmful" || v == "unsafe" || v == "toxic" ||
        v == "violating") {
        return true;
    }
    if (v == "0" || v == "false" || v == "no" || v == "unharmful" || v == "safe" || v == "non-toxic" ||
        v == "benign") {
        return false;
    }
    return std::nullopt;
}

Dataset read_dataset(const std::filesystem::path& path, const DatasetSpec& spec, size_t limit) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw DatasetError(path.string() + ": no such file");
    const std::string text = read_all(path);
    std::string name = path.filename().string();
    if (name.ends_with(".gz")) name.resize(name.size() - 3);
    const bool csv = spec.format == "csv" || spec.format == "toxicchat" ||
                     (spec.format == "auto" && name.ends_with(".csv"));

    std::vector<nlohmann::json> raw;
    const std::vector<Record> records =
        csv ? csv_records(text, path) : jsonl_records(text, path, {"messages"}, raw);
    if (records.empty()) throw DatasetError(path.string() + ": no records");

    Dataset d;
    const Record& first = records.front();
    d.format = spec.format == "auto" ? detected_format(csv, first) : spec.format;
    std::vector<std::string> labels =
        spec.label_fields.empty() ? default_labels(d.format) : spec.label_fields;
    d.label_names = labels;
    std::string text_field = spec.text_field;
    if (text_field.empty()) {
        for (const std::string_view f : kTextFields) {
            if (has_field(first, std::string(f))) {
                text_field = f;
                break;
            }
        }
    }
    const bool conversation = !raw.empty() && raw.front().contains("messages");
    if (text_field.empty() && !conversation) {
        throw DatasetError(path.string() +
                           ": no text field (looked for text, prompt, prompts_final, user_input; "
                           "name one with --text-field)");
    }
    if (!spec.label_constant &&
        !std::any_of(labels.begin(), labels.end(), [&](const auto& l) { return has_field(first, l); })) {
        throw DatasetError(path.string() + ": no label field (" + labels.front() +
                           "); name one with --label-field, or give every item one with --label-constant");
    }
    const std::string response_field = spec.response_field.empty() ? "response" : spec.response_field;

    for (size_t i = 0; i < records.size() && (limit == 0 || d.items.size() < limit); ++i) {
        const Record& r = records[i];
        LabeledItem item;
        item.id = field(r, spec.id_field).value_or(std::to_string(i + 1));
        if (conversation && raw[i].contains("messages")) {
            item.content =
                conversation_of(raw[i]["messages"], path.string() + ": record " + std::to_string(i + 1));
        } else {
            const std::optional<std::string> t = field(r, text_field);
            if (!t)
                throw DatasetError(path.string() + ": record " + std::to_string(i + 1) + " has no " +
                                   text_field);
            // A present response, even an empty one, makes the item a completion: an empty
            // answer is still the answer judged, not a missing one.
            const std::optional<std::string> response = field(r, response_field);
            item.content = response ? Content::completion(*t, *response) : Content::message(*t);
        }
        for (const std::string& l : labels) {
            const std::optional<std::string> v = spec.label_constant ? spec.label_constant : field(r, l);
            item.labels.push_back({l, v ? label_value(*v) : std::nullopt});
        }
        d.items.push_back(std::move(item));
    }
    require_a_known_label(d, path);
    return d;
}

}  // namespace arbiter::eval
