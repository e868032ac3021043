#include "remote/remote_reply.h"

#include <utility>
#include <vector>

#include "core/json_input.h"

namespace arbiter::remote {

namespace {

// A short, printable excerpt of a body for an error message.
std::string excerpt(const std::string& body) {
    constexpr size_t kMax = 200;
    std::string text = body.substr(0, kMax);
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    nlohmann::json quoted = text;
    return quoted.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
           (body.size() > kMax ? "..." : "");
}

}  // namespace

std::optional<nlohmann::json> read_reply(const HttpResult& result, std::string& error) {
    if (result.failure != HttpResult::Failure::none) {
        error = result.error;
        if (result.attempts > 1) error += " (" + std::to_string(result.attempts) + " attempts)";
        return std::nullopt;
    }
    std::string parse_error;
    nlohmann::json body = parse_json(result.body, parse_error).value_or(nlohmann::json::value_t::discarded);
    if (result.status != 200) {
        std::string message;
        if (body.is_object() && body.contains("error")) {
            const nlohmann::json& e = body["error"];
            message = e.is_object() && e.contains("message") && e["message"].is_string()
                          ? e["message"].get<std::string>()
                          : e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        } else if (body.is_object() && body.contains("message") && body["message"].is_string()) {
            message = body["message"].get<std::string>();  // SGLang's flat error body
        } else {
            message = excerpt(result.body);
        }
        error = "server answered HTTP " + std::to_string(result.status) + ": " + message;
        if (result.attempts > 1) error += " (" + std::to_string(result.attempts) + " attempts)";
        if (result.status == 500) {
            // llama-server's answer when the model's output is not valid UTF-8 or not harmony.
            error += " (the model's output could not be returned by the server)";
        }
        return std::nullopt;
    }
    if (!body.is_object()) {
        error = "server answered something that is not a JSON object: " + excerpt(result.body);
        return std::nullopt;
    }
    return body;
}

std::string dump_body(const nlohmann::json& body) {
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// `extra`'s logit bias added to `bias`, in `bias`'s shape: a list of [id, bias] pairs or a map from
// ids to biases. Neither side's entries are lost (arbiter's own ban the harmony specials).
void merge_bias(nlohmann::json& bias, const nlohmann::json& extra) {
    const auto pairs = [](const nlohmann::json& b) {
        std::vector<std::pair<std::string, nlohmann::json>> out;
        if (b.is_object()) {
            for (const auto& [id, value] : b.items()) out.emplace_back(id, value);
        } else {
            for (const auto& entry : b) {
                if (entry.is_array() && entry.size() == 2) out.emplace_back(entry[0].dump(), entry[1]);
            }
        }
        return out;
    };
    for (auto& [id, value] : pairs(extra)) {
        if (bias.is_object()) {
            bias[id] = value;
        } else {
            bias.push_back({nlohmann::json::parse(id, nullptr, false), value});
        }
    }
}

}  // namespace

void merge_extra_fields(nlohmann::json& body, const nlohmann::json& extra) {
    for (const auto& [key, value] : extra.items()) {
        const bool biases = key == "logit_bias" && body.contains(key) &&
                            (value.is_array() || value.is_object()) &&
                            (body[key].is_array() || body[key].is_object());
        if (biases) {
            merge_bias(body[key], value);
        } else {
            body[key] = value;
        }
    }
}

int int_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return 0;
    const auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::string string_field(const nlohmann::json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace arbiter::remote
