#include "core/json_input.h"

namespace arbiter {

namespace {

struct TooDeep {};

}  // namespace

std::optional<nlohmann::json> parse_json(std::string_view text, std::string& error, int max_depth) {
    // nlohmann's parser is iterative; the callback sees each value's depth as it opens.
    const nlohmann::json::parser_callback_t bounded =
        [max_depth](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
            if (depth >= max_depth && (event == nlohmann::json::parse_event_t::object_start ||
                                       event == nlohmann::json::parse_event_t::array_start))
                throw TooDeep{};
            return true;
        };
    try {
        return nlohmann::json::parse(text, bounded);
    } catch (const TooDeep&) {
        error = "JSON nested deeper than " + std::to_string(max_depth) + " levels";
    } catch (const nlohmann::json::exception& e) {
        // parse_error for bad syntax, out_of_range for a number no double can hold (1e309). The
        // message without nlohmann's "[json.exception.parse_error.101] " tag.
        const std::string_view what = e.what();
        const size_t tag_end = what.find("] ");
        const bool tagged = what.starts_with('[') && tag_end != std::string_view::npos;
        error = std::string(tagged ? what.substr(tag_end + 2) : what);
    }
    return std::nullopt;
}

std::optional<int64_t> whole_number_in(const nlohmann::json& value, int64_t low, int64_t high) {
    if (value.is_number_unsigned()) {
        const uint64_t n = value.get<uint64_t>();
        if (high < 0 || n > static_cast<uint64_t>(high) || (low > 0 && n < static_cast<uint64_t>(low)))
            return std::nullopt;
        return static_cast<int64_t>(n);
    }
    if (!value.is_number_integer()) return std::nullopt;
    const int64_t n = value.get<int64_t>();
    if (n < low || n > high) return std::nullopt;
    return n;
}

}  // namespace arbiter
